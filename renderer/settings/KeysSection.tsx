/**
 * Settings › Keys: how this laptop's keys are protected and why, what that means, and in
 * passphrase mode the form to change the passphrase.
 */
import { ChangePassphraseForm } from '../secrets/ChangePassphraseForm.js';
import { codeSpans, protectionText } from '../secrets/key-protection.js';
import { useSecretsStore } from '../secrets/store.js';

function WithCode({ text }: { text: string }): React.ReactElement {
  return <>{codeSpans(text).map((part, i) => (part.code ? <code key={i}>{part.text}</code> : <span key={i}>{part.text}</span>))}</>;
}

export function KeysSection(): React.ReactElement {
  const status = useSecretsStore((s) => s.status);
  const text = protectionText(status);
  return (
    <section className="keys-settings" aria-labelledby="keys-settings-title" data-testid="keys-settings">
      <h3 id="keys-settings-title">Keys</h3>
      <p>
        <strong>Protection: </strong>
        <span data-testid="keys-mode" data-mode={text.mode}>
          {text.label}
        </span>
      </p>
      {text.reason === null ? null : (
        <p className="lead" data-testid="keys-settings-reason">
          {text.reason}
        </p>
      )}
      <p data-testid="keys-detail">{text.detail}</p>
      {text.advice === null ? null : (
        <p className="notice notice--hint" data-testid="keys-advice">
          <WithCode text={text.advice} />
        </p>
      )}
      {status !== null && text.canChange ? <ChangePassphraseForm status={status} /> : null}
    </section>
  );
}
