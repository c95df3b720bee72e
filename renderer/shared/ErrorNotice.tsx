/**
 * An error as the technician needs it: what happened, what to do next, the code for support.
 */
import type { UiError } from '../services/ui-error.js';

export function ErrorNotice({
  error,
  title,
  testId,
  children,
}: {
  error: UiError;
  title?: string;
  testId?: string;
  children?: React.ReactNode;
}): React.JSX.Element {
  return (
    <div className="notice notice--error" role="alert" data-testid={testId}>
      {title === undefined ? null : <p className="notice__title">{title}</p>}
      <p className="notice__message" data-testid={testId === undefined ? undefined : `${testId}-message`}>
        {error.message}
      </p>
      {error.fix === undefined ? null : (
        <p className="notice__fix" data-testid={testId === undefined ? undefined : `${testId}-fix`}>
          <strong>What to do: </strong>
          {error.fix}
        </p>
      )}
      <p className="notice__code">
        Code for support: <code data-testid={testId === undefined ? undefined : `${testId}-code`}>{error.code}</code>
      </p>
      {children}
    </div>
  );
}
