/**
 * Result shapes of `status` and `config.get`.
 *
 * The app parses these answers too; they belong next to handshake.ts in core/protocol once the
 * lead moves them (the agent imports core, never the other way round).
 */
import { z } from 'zod';

const interfaceConfig = z.object({
  name: z.string(),
  mode: z.enum(['dhcp', 'static']),
  addresses: z.array(z.string()).optional(),
  gateway: z.string().optional(),
  dns: z.array(z.string()).optional(),
});

export const statusResult = z.object({
  /** Milliseconds since the Unix epoch, by the gateway's clock. */
  time: z.number().int(),
  timezone: z.string(),
  /** Seconds the agent has been running. */
  uptime: z.number().int().nonnegative(),
  /** Seconds since the gateway booted. */
  systemUptime: z.number().int().nonnegative(),
  load: z.tuple([z.number(), z.number(), z.number()]),
  memory: z.object({ totalBytes: z.number().int(), availableBytes: z.number().int() }),
  /** Space on the file system holding the agent's state (artifacts, models); null if unknown. */
  disk: z.object({ freeBytes: z.number().int(), totalBytes: z.number().int() }).nullable(),
  temperatureC: z.number().nullable(),
  firmware: z.object({ version: z.string(), activeSlot: z.enum(['a', 'b']) }),
  /** This session's link as the gateway sees it: a rising drop count means a bad cable. */
  link: z.object({
    transport: z.enum(['tls', 'tcp', 'serial', 'usb']),
    maxFrame: z.number().int(),
    framesReceived: z.number().int(),
    framesDropped: z.number().int(),
  }),
  /** The A/B slots as the gateway booted them (optional: older agents do not send it). */
  slots: z
    .array(z.object({ name: z.enum(['a', 'b']), version: z.string(), state: z.enum(['active', 'inactive', 'trial', 'empty']) }))
    .optional(),
  /** The slot on trial and when the gateway rolls back by itself unless `confirm` comes first (ms since the epoch). */
  trial: z
    .object({ slot: z.enum(['a', 'b']), deadline: z.number().int() })
    .nullable()
    .optional(),
  lastRollback: z
    .object({ at: z.number().int(), reason: z.string(), from: z.enum(['a', 'b']), to: z.enum(['a', 'b']) })
    .nullable()
    .optional(),
  /** The gateway's own health check of its last trial boot. */
  health: z.object({ state: z.enum(['ok', 'failed', 'unchecked']), message: z.string(), at: z.number().int().nullable() }).optional(),
  /** The artifact store: committed artifacts kept for a retry, and partial ones being (or abandoned while being) received. */
  artifacts: z
    .object({
      committed: z.number().int(),
      committedBytes: z.number().int(),
      partial: z.number().int(),
      partialBytes: z.number().int(),
    })
    .optional(),
});
export type StatusResult = z.infer<typeof statusResult>;

export const configGetResult = z.object({
  hostname: z.string(),
  site: z.string(),
  timezone: z.string(),
  time: z.number().int(),
  network: z.object({ interfaces: z.array(interfaceConfig) }),
});
export type ConfigGetResult = z.infer<typeof configGetResult>;
