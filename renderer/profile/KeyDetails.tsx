/**
 * The technician's key as support and administrators need it: key id and public key, copyable.
 */
import type { Profile } from '../../core/api/schemas.js';
import { CopyableValue } from '../shared/CopyButton.js';

export function KeyDetails({ profile }: { profile: Profile }): React.ReactElement {
  return (
    <dl className="fields">
      <dt>Technician</dt>
      <dd data-testid="profile-name">
        {profile.name}, {profile.organisation}
      </dd>
      <dt>Key id</dt>
      <dd>
        <CopyableValue value={profile.keyId} label="key id" testId="profile-key-id" />
      </dd>
      <dt>Public key</dt>
      <dd>
        <CopyableValue value={profile.publicKey} label="public key" testId="profile-public-key" />
      </dd>
      <dt>Created</dt>
      <dd>{new Date(profile.createdAt).toLocaleString()}</dd>
    </dl>
  );
}
