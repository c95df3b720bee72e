/**
 * The gateway's own health check on a trial boot: the image it booted is the one installed
 * (every file — image, bootloader, aux — present with its recorded SHA-256), the model store loads, and every active
 * model passes its golden cases. Any failure makes the gateway roll back by itself.
 */
import { hashFile } from '../artifacts/artifact-store.js';
import { checkModelStore } from './model-store.js';
import type { ModelCheck } from './model-check.js';
import { slotFilePath, type SlotImage } from './slot-image.js';

export async function checkTrialHealth(stateDir: string, image: SlotImage, failOnPurpose: boolean): Promise<ModelCheck> {
  if (failOnPurpose) return { ok: false, message: 'the health check failed on purpose (fault injection: failHealth)' };
  if (image.kind === 'empty') return { ok: false, message: `slot ${image.name} holds no complete image (${image.why})` };
  if (image.kind === 'installed') {
    for (const file of image.record.files) {
      let actual: string;
      try {
        actual = await hashFile(slotFilePath(stateDir, image.name, file));
      } catch (err) {
        return { ok: false, message: `slot ${image.name}: ${file.path} cannot be read (${(err as Error).message})` };
      }
      if (actual !== file.sha256) return { ok: false, message: `slot ${image.name}: ${file.path} is not the file that was installed` };
    }
  }
  const models = await checkModelStore(stateDir);
  if (!models.ok) return models;
  return { ok: true, message: `slot ${image.name} (${image.version}) is intact; ${models.message}` };
}
