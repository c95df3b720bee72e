/**
 * How a gateway comes to trust this technician's key, with the exact enrolment command.
 */
import type { Profile } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';
import { enrolmentCommand } from './enrolment.js';

export function TrustExplainer({ profile }: { profile: Profile | null }): React.ReactElement {
  return (
    <div className="trust-explainer" data-testid="trust-explainer">
      <h3>How gateways come to trust your key</h3>
      <p>
        Your key pair is created on this laptop and its private half never leaves it. A gateway only lets you in once it trusts your
        <em> public</em> key. Either:
      </p>
      <ul>
        <li>
          an administrator enrols it on the gateway (or in the image your organisation provisions gateways with)
          {profile === null ? (
            <>
              {' '}
              with <code>fieldline agent --trust &lt;your public key&gt; --name &lt;your name&gt;</code>, or
            </>
          ) : (
            <>
              :
              <CopyableValue value={enrolmentCommand(profile)} label="enrolment command" testId="enrolment-command" />
            </>
          )}
        </li>
        <li>your organisation's provisioning service pushes it to the gateways you are assigned to.</li>
      </ul>
      <p className="muted">
        The demo gateways started by <code>npm run demo</code> already trust the demo technician.
      </p>
    </div>
  );
}
