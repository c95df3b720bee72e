/**
 * Control messages between the main process and the engine's utility process.
 *
 * This is not the API: API calls travel on the MessagePort handed to each renderer. The
 * control channel connects ports, reports readiness, asks for a clean shutdown, resumes jobs
 * after a crash, asks what is running before quitting, and carries the shell's own events
 * (menu commands, engine status) for the engine to pass on to every page.
 */
import { z } from 'zod';
import { appCommand, engineStatus, flashJobId } from '../core/api/schemas.js';

/** An event the shell (not the engine) raises for the page, validated on both sides. */
export type HostEvent =
  | { readonly event: 'app.command'; readonly data: z.output<typeof appCommand> }
  | { readonly event: 'engine.status'; readonly data: z.output<typeof engineStatus> };

/** What is running, for the quit prompt: flash jobs with their gateways' names, benchmark runs. */
export interface Activity {
  readonly flash: readonly { readonly jobId: string; readonly gateways: readonly string[] }[];
  readonly bench: readonly { readonly deviceId: string; readonly deviceName: string }[];
}

/** Main → engine. `connect` carries one MessagePort (the engine's end of a renderer link). */
export type ToEngine =
  | { readonly type: 'connect'; readonly connection: number }
  | { readonly type: 'shutdown' }
  /** The audit key, unsealed by main with the OS keychain: sent once, before the engine starts. */
  | { readonly type: 'audit-key'; readonly pem: string }
  /** After a crash: resume the jobs this engine found interrupted, except `skip`. */
  | { readonly type: 'resume-interrupted'; readonly skip: readonly string[] }
  /** Pass an event on to every connected page. */
  | ({ readonly type: 'host-event' } & HostEvent)
  /** What is running now? Answered by an `activity` with the same `request`. */
  | { readonly type: 'activity'; readonly request: number };

/** Engine → main. */
export type FromEngine =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | {
      readonly type: 'resumed';
      readonly jobIds: readonly string[];
      readonly skipped: readonly { readonly jobId: string; readonly reason: string }[];
    }
  | ({ readonly type: 'activity'; readonly request: number } & Activity);

const requestId = z.number().int().nonnegative();
const hostEvent = z.discriminatedUnion('event', [
  z.object({ type: z.literal('host-event'), event: z.literal('app.command'), data: appCommand }),
  z.object({ type: z.literal('host-event'), event: z.literal('engine.status'), data: engineStatus }),
]);
const resumeMessage = z.object({ type: z.literal('resume-interrupted'), skip: z.array(flashJobId).max(1024) });
const resumedMessage = z.object({
  type: z.literal('resumed'),
  jobIds: z.array(flashJobId),
  skipped: z.array(z.object({ jobId: flashJobId, reason: z.string() })),
});
const activityMessage = z.object({
  type: z.literal('activity'),
  request: requestId,
  flash: z.array(z.object({ jobId: z.string(), gateways: z.array(z.string()) })),
  bench: z.array(z.object({ deviceId: z.string(), deviceName: z.string() })),
});

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function parseToEngine(value: unknown): ToEngine | null {
  switch (field(value, 'type')) {
    case 'connect': {
      const connection = field(value, 'connection');
      return typeof connection === 'number' && Number.isInteger(connection) ? { type: 'connect', connection } : null;
    }
    case 'shutdown':
      return { type: 'shutdown' };
    case 'audit-key': {
      const pem = field(value, 'pem');
      return typeof pem === 'string' && pem.includes('PRIVATE KEY') ? { type: 'audit-key', pem } : null;
    }
    case 'resume-interrupted': {
      const parsed = resumeMessage.safeParse(value);
      return parsed.success ? parsed.data : null;
    }
    case 'host-event': {
      const parsed = hostEvent.safeParse(value);
      return parsed.success ? parsed.data : null;
    }
    case 'activity': {
      const request = requestId.safeParse(field(value, 'request'));
      return request.success ? { type: 'activity', request: request.data } : null;
    }
    default:
      return null;
  }
}

export function parseFromEngine(value: unknown): FromEngine | null {
  switch (field(value, 'type')) {
    case 'ready':
      return { type: 'ready' };
    case 'fatal': {
      const message = field(value, 'message');
      return { type: 'fatal', message: typeof message === 'string' ? message : 'the engine failed without a message' };
    }
    case 'resumed': {
      const parsed = resumedMessage.safeParse(value);
      return parsed.success ? parsed.data : null;
    }
    case 'activity': {
      const parsed = activityMessage.safeParse(value);
      return parsed.success ? parsed.data : null;
    }
    default:
      return null;
  }
}
