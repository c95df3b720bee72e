/**
 * `artifact.begin` / `artifact.chunk` / `artifact.status` / `artifact.commit`: a bundle arrives
 * by SHA-256 in chunks, resumable, and is checked by the gateway itself before it may be installed.
 */
import { inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { FgpError } from '../../core/protocol/errors.js';
import { toHex } from '../../core/protocol/identity.js';
import type { BundleVerdict } from '../artifacts/artifact-store.js';
import type { AgentContext, TransportInfo } from '../agent-context.js';
import { defineMethod } from '../method.js';

const sha256 = z.instanceof(Uint8Array).refine((b) => b.length === 32, { message: 'expected 32 bytes (a SHA-256)' });
const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Room in a frame for the chunk request around `data`: envelope, method, sha256, offset, encoding. */
const CHUNK_OVERHEAD = 1024;
const MAX_CHUNK = 256 * 1024;

/** The largest chunk (a power of two) whose request fits the session's frame limit. */
export function maxChunkFor(maxFrame: number): number {
  let chunk = MAX_CHUNK;
  while (chunk > 256 && chunk + CHUNK_OVERHEAD > maxFrame) chunk /= 2;
  return chunk;
}

/** Chunks in flight the gateway is happy with: enough to fill a LAN's bandwidth-delay product, few on a UART. */
export function windowFor(transport: TransportInfo): number {
  return transport.kind === 'serial' ? 4 : 16;
}

export const artifactBegin = defineMethod(
  'auth',
  z.object({ sha256, size: uint, name: z.string().max(255).optional() }),
  async ({ params, agent, session, transport }) => {
    const { held } = await agent.flash.artifacts.begin(toHex(params.sha256), params.size, params.name ?? null);
    return { held, maxChunk: maxChunkFor(session.maxFrame), window: windowFor(transport) };
  },
);

export const artifactChunk = defineMethod(
  'auth',
  z.object({ sha256, offset: uint, data: z.instanceof(Uint8Array), encoding: z.enum(['raw', 'deflate']).optional() }),
  async ({ params, agent, session }) => {
    const limit = maxChunkFor(session.maxFrame);
    if (params.data.length > limit)
      throw new FgpError('chunk_too_large', `a chunk of ${params.data.length} bytes is more than this session's ${limit}-byte maxChunk`, {
        maxChunk: limit,
      });
    let data = params.data;
    if (params.encoding === 'deflate') {
      try {
        data = new Uint8Array(inflateRawSync(params.data, { maxOutputLength: limit }));
      } catch (err) {
        if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
          throw new FgpError('chunk_too_large', `the chunk inflates to more than this session's ${limit}-byte maxChunk`, {
            maxChunk: limit,
          });
        throw new FgpError(
          'invalid_params',
          `the chunk at offset ${params.offset} is not valid raw DEFLATE data: ${(err as Error).message}`,
        );
      }
    }
    return agent.flash.artifacts.chunk(toHex(params.sha256), params.offset, data);
  },
);

export const artifactStatus = defineMethod('auth', z.object({ sha256 }), ({ params, agent }) =>
  agent.flash.artifacts.status(toHex(params.sha256)),
);

async function verdict(agent: AgentContext, file: string): Promise<BundleVerdict> {
  if (agent.flash.faults.faults.failVerify)
    return {
      ok: false,
      manifest: null,
      checks: [{ code: 'fault_injected', message: 'verification failed on purpose (fault injection: failVerify)' }],
    };
  if (!agent.bundleGuard)
    return {
      ok: false,
      manifest: null,
      checks: [
        { code: 'guard_unreadable', message: "the gateway's rollback state (bundle-guard.json) is unreadable, so it refuses every bundle" },
      ],
    };
  const report = await agent.bundleGuard.check(file);
  return {
    ok: report.ok,
    manifest: report.manifest,
    checks: report.checks.filter((c) => c.status === 'fail').map((c) => ({ code: c.code ?? c.id, message: c.message })),
  };
}

export const artifactCommit = defineMethod('auth', z.object({ sha256 }), async ({ params, agent }) => {
  const manifest = await agent.flash.artifacts.commit(toHex(params.sha256), (file) => verdict(agent, file));
  return { verified: true, kind: manifest.kind, name: manifest.name, version: manifest.version };
});
