/**
 * A non-modal panel anchored under a toolbar button: opens with focus inside, Escape closes it.
 *
 * Focus returns to the button that opened it (the caller's `onClose`), so a keyboard user never
 * lands at the top of the page after dismissing it. No hover: it opens and closes on purpose.
 */
import { useEffect, useRef } from 'react';

export interface PopoverProps {
  readonly id: string;
  readonly title: string;
  readonly testId: string;
  onClose(): void;
  readonly children: React.ReactNode;
}

export function Popover({ id, title, testId, onClose, children }: PopoverProps): React.ReactElement {
  const rootRef = useRef<HTMLElement>(null);
  useEffect(() => {
    // The first field, not the Close button: opening the panel means the technician wants to use it.
    const body = rootRef.current?.querySelector('.popover__body');
    body?.querySelector<HTMLElement>('input:not([disabled]), select, textarea, button:not([disabled])')?.focus();
  }, []);
  return (
    <section
      ref={rootRef}
      id={id}
      className="popover"
      aria-labelledby={`${id}-title`}
      data-testid={testId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          // The view's own Escape closes the device panel; this one belongs to the popover.
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <header className="popover__header">
        <h2 id={`${id}-title`} className="popover__title">
          {title}
        </h2>
        <button type="button" className="button button--small" onClick={onClose} data-testid={`${testId}-close`}>
          Close
        </button>
      </header>
      <div className="popover__body">{children}</div>
    </section>
  );
}
