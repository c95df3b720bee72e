/**
 * `install`: a verified artifact onto the gateway. OS and firmware images go into the inactive
 * A/B slot (activate boots them on trial); models go into the model store, are checked with
 * their golden cases and become active at once (the previous version stays until then).
 *
 * A model's artifact is removed once it is installed: the model store holds the content. An
 * image's artifact stays until `confirm` (boot.ts), so a failed trial can be retried without
 * sending it again.
 */
import { z } from 'zod';
import { FgpError } from '../../core/protocol/errors.js';
import { toHex } from '../../core/protocol/identity.js';
import { PowerLost } from '../faults/faults.js';
import type { AgentContext } from '../agent-context.js';
import { defineMethod } from '../method.js';
import { installModel, modelInstallSteps } from '../slots/model-store.js';
import { installSlot } from '../slots/slot-image.js';

const sha256 = z.instanceof(Uint8Array).refine((b) => b.length === 32, { message: 'expected 32 bytes (a SHA-256)' });

/** Cleanup after the content is safe elsewhere: a failure here costs disk space, not the install. */
export async function forgetArtifact(agent: AgentContext, sha256: string): Promise<void> {
  try {
    await agent.flash.artifacts.remove(sha256);
  } catch (err) {
    agent.log.warn(`could not remove installed artifact ${sha256.slice(0, 12)}…: ${(err as Error).message}`);
  }
}

export const install = defineMethod('auth', z.object({ sha256 }), ({ params, agent }) =>
  agent.flash.exclusive(async () => {
    const { flash } = agent;
    const artifact = await flash.artifacts.verified(toHex(params.sha256));
    const manifest = artifact.manifest;
    try {
      if (manifest.kind === 'model') {
        const { entry, check } = await installModel(agent.stateDir, artifact, flash.power);
        flash.recordHealth({ state: 'ok', message: check.message, at: Date.now() });
        await flash.power.step('install', modelInstallSteps(manifest) + 1, 'record the install in bundle-guard.json');
        await agent.bundleGuard?.commitInstalled(manifest);
        await flash.refresh();
        await forgetArtifact(agent, artifact.sha256);
        agent.log.info(`installed model "${entry.name}" ${entry.version}`);
        return { model: entry.name, version: entry.version };
      }
      flash.slots.checkInstallable();
      const slot = flash.slots.inactive;
      await installSlot(agent.stateDir, slot, artifact, flash.power);
      await flash.refresh();
      agent.log.info(`installed ${manifest.kind} "${manifest.name}" ${manifest.version} into slot ${slot}`);
      return { slot, version: manifest.version };
    } catch (err) {
      if (err instanceof FgpError && err.code === 'health_failed')
        flash.recordHealth({ state: 'failed', message: err.message, at: Date.now() });
      if (err instanceof FgpError || err instanceof PowerLost) throw err;
      // The slot is left empty (slot.json is written last), never half-labelled: the old image still runs.
      await flash.refresh().catch(() => undefined);
      throw new FgpError('install_failed', `installing "${manifest.name}" ${manifest.version} failed: ${(err as Error).message}`);
    }
  }),
);
