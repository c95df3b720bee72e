/**
 * Which payload targets the gateway installs, by bundle kind, and where each lands.
 *
 * OS images and firmware: `slot` (the image), `bootloader` and `aux` all go into the inactive
 * slot, each target in its own directory, so the slot is switched as a whole. Models: `model`,
 * `golden` and `aux` (label maps and the like) go into the model's version directory. Anything
 * else is refused before the first write: installing part of a bundle would be a lie.
 */
import type { Manifest, PayloadTarget } from '../../core/bundle/manifest.js';
import { FgpError } from '../../core/protocol/errors.js';

export const SLOT_TARGETS = ['slot', 'bootloader', 'aux'] as const;
export type SlotTarget = (typeof SLOT_TARGETS)[number];
const MODEL_TARGETS: readonly PayloadTarget[] = ['model', 'golden', 'aux'];

/** A slot's directory for each target (`files` for the image itself, as before targets existed). */
export const SLOT_TARGET_DIRS: Readonly<Record<SlotTarget, string>> = { slot: 'files', bootloader: 'bootloader', aux: 'aux' };

export function isSlotTarget(target: PayloadTarget): target is SlotTarget {
  return (SLOT_TARGETS as readonly PayloadTarget[]).includes(target);
}

/** The targets this gateway installs from a bundle of this kind. */
export function installableTargets(kind: Manifest['kind']): readonly PayloadTarget[] {
  return kind === 'model' ? MODEL_TARGETS : SLOT_TARGETS;
}

/** Throws `install_failed` naming the first payload whose target this gateway does not install. */
export function checkTargets(manifest: Manifest): void {
  const allowed = installableTargets(manifest.kind);
  const odd = manifest.payloads.find((p) => !allowed.includes(p.target));
  if (odd)
    throw new FgpError(
      'install_failed',
      `payload "${odd.path}" has target "${odd.target}", which this gateway does not install from a bundle of kind "${manifest.kind}" (it installs ${allowed.join(', ')}); nothing was written`,
      { payload: odd.path, target: odd.target },
    );
}
