/**
 * A passphrase input with a Show/Hide button (keyboard reachable, no hover), never autofilled
 * into the page's other fields.
 */
import { useId, useState } from 'react';

export function PassphraseField({
  label,
  value,
  onChange,
  autoComplete,
  autoFocus,
  testId,
  inputRef,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete: 'current-password' | 'new-password';
  autoFocus?: boolean;
  testId: string;
  inputRef?: React.Ref<HTMLInputElement>;
}): React.ReactElement {
  const [shown, setShown] = useState(false);
  const id = useId();
  return (
    <div className="form__field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        type={shown ? 'text' : 'password'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={autoComplete}
        autoFocus={autoFocus}
        spellCheck={false}
        autoCapitalize="off"
        maxLength={1024}
        data-testid={testId}
      />
      <button
        type="button"
        className="button button--small"
        aria-pressed={shown}
        aria-controls={id}
        onClick={() => setShown((s) => !s)}
        data-testid={`${testId}-toggle`}
      >
        {shown ? 'Hide' : 'Show'}
      </button>
    </div>
  );
}
