/**
 * `status` and `config.get`: how the gateway is doing and how it is set up.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineMethod } from '../method.js';
import type { ConfigGetResult, StatusResult } from '../method-results.js';
import { firmwareVersion } from '../state-schema.js';
import { diskSpace, loadAverage, memory, temperatureC } from '../system-status.js';

/** Neither method takes params; extra keys are ignored so newer apps can add options. */
const noParams = z.object({});

export const status = defineMethod('auth', noParams, async ({ agent, peer, session, transport }): Promise<StatusResult> => {
  const device = agent.device();
  const [disk, temperature, artifacts] = await Promise.all([diskSpace(agent.stateDir), temperatureC(), agent.flash.artifacts.usage()]);
  const frames = peer.frameStats;
  return {
    time: Date.now(),
    timezone: device.config.timezone,
    uptime: Math.floor((performance.now() - agent.startedAt) / 1000),
    systemUptime: Math.floor(os.uptime()),
    load: loadAverage(),
    memory: memory(),
    disk,
    temperatureC: temperature,
    firmware: { version: firmwareVersion(device), activeSlot: device.activeSlot },
    link: { transport: transport.kind, maxFrame: session.maxFrame, framesReceived: frames.frames, framesDropped: frames.dropped },
    slots: device.slots.map((s) => ({ ...s })),
    trial: agent.flash.slots.trial ? { ...agent.flash.slots.trial } : null,
    lastRollback: agent.flash.slots.lastRollback ? { ...agent.flash.slots.lastRollback } : null,
    health: { ...agent.flash.health() },
    artifacts,
  };
});

export const configGet = defineMethod('auth', noParams, ({ agent }): ConfigGetResult => {
  const { config } = agent.device();
  return {
    hostname: config.hostname,
    site: config.site,
    timezone: config.timezone,
    time: Date.now(),
    network: { interfaces: config.network.interfaces.map((i) => ({ ...i })) },
  };
});
