/**
 * What a technician should do about each refusal reason.
 *
 * The verifier's message says what is wrong with this bundle; this says what to do next. A
 * Record over the whole reason union, so a new reason code cannot ship without advice.
 */
import type { BundleReason } from '../../core/bundle/index.js';

const REBUILD = 'The file is damaged or was tampered with: get a fresh copy from your release channel, or ask its publisher to rebuild it.';
const BAD_BUILD = 'The bundle was built wrongly or tampered with; ask its publisher for a corrected bundle.';

export const ADVICE: Readonly<Record<BundleReason, string>> = {
  manifest_missing: 'This is not a Fieldline bundle (or it is cut short): check you picked the right .flb file.',
  manifest_not_first: BAD_BUILD,
  manifest_too_large: BAD_BUILD,
  manifest_invalid: 'Ask the publisher to rebuild it with `fieldline bundle create`; `fieldline bundle inspect` shows what is wrong.',
  envelope_invalid: REBUILD,
  payload_type: 'This envelope is not a Fieldline manifest; check you picked the right file.',
  signature_invalid: REBUILD,
  key_unknown:
    "Import the signer's public key if your organisation trusts it (`fieldline bundle trust add KEY.pub.json --role …`), or get a bundle signed by a trusted key.",
  key_revoked: "This signer's key was revoked: do not install it; get a bundle signed by a current key.",
  key_expired:
    "The signer's key has expired in your trust store: get a bundle signed by a current key, or renew the key's expiry if your organisation confirms it.",
  key_role:
    'The signer is trusted, but not for this kind of bundle: get it signed by a key with the right role (image-signer or model-signer).',
  threshold_not_met: 'More signatures are needed: each further key holder runs `fieldline bundle sign B.flb --key THEIR-KEY.json`.',
  payload_unlisted: REBUILD,
  payload_missing: REBUILD,
  payload_size_mismatch: REBUILD,
  payload_hash_mismatch: REBUILD,
  path_absolute: BAD_BUILD,
  path_traversal: BAD_BUILD,
  path_duplicate: BAD_BUILD,
  path_collision: BAD_BUILD,
  path_invalid: BAD_BUILD,
  entry_link: BAD_BUILD,
  entry_hardlink: BAD_BUILD,
  entry_device: BAD_BUILD,
  entry_type: BAD_BUILD,
  decompression_bomb: BAD_BUILD,
  decompression_failed: REBUILD,
  trailing_garbage: REBUILD,
  tar_malformed: REBUILD,
  truncated: "The file is cut short (an interrupted copy or download): copy it again and compare its SHA-256 with the publisher's.",
  hardware_incompatible: "This bundle is not made for this gateway's model or hardware revision: pick the bundle built for it.",
  counter_rollback:
    'The gateway already runs software with a higher security counter; installing this would be a downgrade. Get the current release.',
  expired: 'The bundle has expired: get the current release. If the laptop clock is wrong, correct it first.',
  not_yet_valid: 'The bundle claims to be created in the future: check the laptop clock, then the bundle.',
  clock_uncertain: 'The laptop clock has not been confirmed for a while: connect to a gateway or a network to refresh trusted time.',
  same_version: 'The gateway already runs this version: reinstalling is allowed but usually unnecessary.',
  payload_changed: 'A payload changed on disk after it was verified: verify the bundle again and keep the file untouched while it is sent.',
};
