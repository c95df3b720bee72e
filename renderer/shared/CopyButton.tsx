/**
 * Copies a value for support tickets and command lines (ids, hashes, keys).
 */
import { useEffect, useState } from 'react';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard access can be refused (permissions, non-secure origin); the value stays selectable.
    return false;
  }
}

export function CopyButton({ value, label, testId }: { value: string; label: string; testId?: string }): React.JSX.Element {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      className="button button--small"
      data-testid={testId}
      aria-label={`Copy ${label}`}
      onClick={() => void copyText(value).then((ok) => setState(ok ? 'copied' : 'failed'))}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : 'Copy'}
    </button>
  );
}

/** A long value shown in full (wrapping, selectable in one click) with a copy button. */
export function CopyableValue({ value, label, testId }: { value: string; label: string; testId?: string }): React.JSX.Element {
  return (
    <span className="copyable">
      <code className="copyable__value" data-testid={testId}>
        {value}
      </code>
      <CopyButton value={value} label={label} {...(testId === undefined ? {} : { testId: `${testId}-copy` })} />
    </span>
  );
}
