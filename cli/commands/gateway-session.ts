/**
 * An authenticated session with one gateway for the CLI commands that call its methods directly
 * (bench, diagnose): address → verified session (pinned) → technician authentication.
 */
import type { DevicePath } from '../../core/api/schemas.js';
import { parseAddress } from '../../core/engine/address.js';
import { describePath, openDeviceSession, type DeviceSession } from '../../core/engine/device-session.js';
import { authenticate } from '../../core/protocol/client-session.js';
import { openDatabase } from '../../core/store/database.js';
import { PinStore } from '../../core/store/pin-store.js';
import { ProfileStore } from '../../core/store/profile-store.js';
import { CliError } from '../output.js';

export interface GatewaySession {
  readonly session: DeviceSession;
  readonly path: DevicePath;
  close(): Promise<void>;
}

export async function openGateway(address: string, dataDir: string, usage: string): Promise<GatewaySession> {
  const parsed = parseAddress(address);
  if (!parsed.ok) throw new CliError(`${parsed.reason}\n${usage}`);
  const db = openDatabase(dataDir);
  try {
    const identity = new ProfileStore(db, dataDir).identity();
    if (!identity)
      throw new CliError(
        `there is no technician profile in ${dataDir}, and gateways run benchmarks only for a trusted technician`,
        'Create it with `fieldline profile create --name NAME --organisation ORG`, or give --data-dir.',
        'no_profile',
        1,
      );
    const session = await openDeviceSession(parsed.path, { pins: new PinStore(db), timeoutMs: 10_000 });
    try {
      await authenticate(session.peer, session.descriptor.id, identity);
    } catch (err) {
      await session.close();
      const e = err as { message?: string; code?: string; fix?: string };
      throw new CliError(
        `${describePath(parsed.path)} refused the technician key: ${e.message ?? String(err)}`,
        e.fix ?? 'Ask your administrator to add your technician key to the gateway.',
        e.code ?? 'auth_failed',
        1,
      );
    }
    return { session, path: parsed.path, close: () => session.close() };
  } finally {
    db.close();
  }
}
