/**
 * `activate`, `confirm`, `rollback`, `reboot`: the A/B boot cycle (agent/slots/slot-controller.ts).
 * The three that reboot answer first, then the gateway closes every connection and comes back
 * after `rebootMs`.
 */
import { z } from 'zod';
import { defineMethod } from '../method.js';
import { forgetArtifact } from './install.js';

const noParams = z.object({});

export const activate = defineMethod('auth', z.object({ slot: z.enum(['a', 'b']) }), ({ params, agent }) =>
  agent.flash.exclusive(async () => {
    await agent.flash.slots.requestTrial(params.slot);
    agent.flash.scheduleReboot(`activate slot ${params.slot}`);
    return { rebooting: true, rebootMs: agent.flash.rebootMs };
  }),
);

export const confirm = defineMethod('auth', noParams, ({ agent }) =>
  agent.flash.exclusive(async () => {
    const image = await agent.flash.slots.confirm();
    await agent.flash.power.step('confirm', 3, 'record the install in bundle-guard.json');
    if (image.kind === 'installed') await agent.bundleGuard?.commitInstalled(image.record.manifest);
    await agent.flash.refresh();
    // The confirmed slot holds the image now: its artifact is no longer needed for a retry.
    if (image.kind === 'installed') await forgetArtifact(agent, image.record.artifact);
    agent.log.info(`slot ${image.name} (${image.version}) confirmed`);
    return { activeSlot: image.name, version: image.version };
  }),
);

export const rollback = defineMethod('auth', noParams, ({ agent, session }) =>
  agent.flash.exclusive(async () => {
    const to = await agent.flash.slots.rollback(`requested by ${session.technician?.name ?? 'a technician'}`);
    agent.flash.scheduleReboot(`roll back to slot ${to}`);
    return { rebooting: true, rebootMs: agent.flash.rebootMs, slot: to };
  }),
);

export const reboot = defineMethod('auth', noParams, ({ agent }) => {
  agent.flash.scheduleReboot('requested');
  return { rebooting: true, rebootMs: agent.flash.rebootMs };
});
