/**
 * `fieldline bundle trust`: the data directory's trust store from the command line — the same
 * store the app's Bundles → Trust store shows and `bundle verify` uses.
 */
import { BUNDLE_KINDS, TrustStore, TrustStoreError, type BundleKind, type TrustedKey } from '../../core/bundle/index.js';
import { openDatabase } from '../../core/store/database.js';
import type { JsonParams } from '../../core/engine/audit-recorder.js';
import { withCliAudit } from '../cli-audit.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, table } from '../output.js';
import { nonNegativeInteger, onePositional, parseSubcommand, parseTime, required } from './bundle-args.js';
import { parseRole, readPublicKey } from './bundle-keys.js';

export const trustUsage = `fieldline bundle trust list [--json] [--data-dir DIR]
fieldline bundle trust add KEY.pub.json [--role image-signer|model-signer] [--name N] [--expires TIME] [--data-dir DIR]
fieldline bundle trust remove KEY-ID | revoke KEY-ID --reason TEXT | threshold KIND K   [--data-dir DIR]
    The trust store in the data directory (seeded with the DEMO roots). add takes a .pub.json from
    keygen or an Ed25519 SPKI PEM; --role overrides the roles the file states.`;

export async function runBundleTrust(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseSubcommand(
    rest,
    {
      'data-dir': { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
    },
    trustUsage,
  );
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const db = openDatabase(dataDir);
  /** A trust change, on the audit record like the app's. */
  const recorded = <T>(action: string, params: JsonParams, op: () => T, summarise?: (value: T) => { params?: JsonParams }): Promise<T> =>
    withCliAudit(db, dataDir, (audit) => audit.after(action, null, { ...params, via: 'cli' }, async () => guarded(op), summarise));
  try {
    const store = new TrustStore(db);
    switch (action) {
      case 'list': {
        const keys = store.list();
        const thresholds = store.thresholds();
        if (values.json) printJson({ keys, thresholds });
        else process.stdout.write(`${formatTrust(keys, thresholds)}\n`);
        return 0;
      }
      case 'add':
      case 'import': {
        const file = await readPublicKey(onePositional(positionals, 'public key file', trustUsage));
        const roles = values.role !== undefined ? parseRole(values.role) : file.roles;
        if (!roles.length)
          throw new CliError(
            `the key in ${positionals[0]} states no role`,
            'Give --role image-signer or --role model-signer (comma-separated for both).',
          );
        const entry = {
          publicKey: file.publicKey,
          name: values.name ?? file.name,
          roles,
          expiresAt: values.expires === undefined ? null : parseTime('--expires', values.expires),
        };
        const key = await recorded(
          'trust.import',
          { publicKey: entry.publicKey.toLowerCase(), name: entry.name, roles: [...entry.roles], expiresAt: entry.expiresAt },
          () => store.add(entry),
          (k) => ({ params: { keyId: k.keyId } }),
        );
        if (values.json) printJson(key);
        else process.stdout.write(`Trusted "${key.name}" as ${key.roles.join(' and ')}.\n  key id  ${key.keyId}\n`);
        return 0;
      }
      case 'remove': {
        const keyId = onePositional(positionals, 'key id', trustUsage);
        const key = await recorded('trust.remove', { keyId }, () => store.remove(keyId));
        if (values.json) printJson(key);
        else process.stdout.write(`Removed "${key.name}" (${key.keyId}) from the trust store.\n`);
        return 0;
      }
      case 'revoke': {
        const keyId = onePositional(positionals, 'key id', trustUsage);
        const reason = required(values.reason, '--reason', trustUsage);
        const key = await recorded('trust.revoke', { keyId, reason }, () => store.revoke(keyId, reason));
        if (values.json) printJson(key);
        else process.stdout.write(`Revoked "${key.name}" (${key.keyId}): its signatures no longer count.\n`);
        return 0;
      }
      case 'threshold': {
        if (positionals.length !== 2)
          throw new CliError(`threshold takes a kind and a number, e.g. \`threshold os-image 2\`\n${trustUsage}`);
        const [kind, count] = positionals as [string, string];
        if (!(BUNDLE_KINDS as readonly string[]).includes(kind))
          throw new CliError(`kind must be one of ${BUNDLE_KINDS.join(', ')}, got "${kind}"`);
        const n = nonNegativeInteger('the threshold', count);
        await recorded('trust.threshold', { kind, threshold: n }, () => store.setThreshold(kind as BundleKind, n));
        if (values.json) printJson(store.thresholds());
        else process.stdout.write(`${kind} bundles now need ${n} valid signature${n === 1 ? '' : 's'}.\n`);
        return 0;
      }
      default:
        throw new CliError(`unknown trust action "${action ?? ''}"; expected list, add, remove, revoke or threshold\n${trustUsage}`);
    }
  } finally {
    db.close();
  }
}

function guarded<T>(op: () => T): T {
  try {
    return op();
  } catch (err) {
    if (err instanceof TrustStoreError) throw new CliError(err.message, undefined, err.code, 1);
    throw err;
  }
}

function formatTrust(keys: readonly TrustedKey[], thresholds: Readonly<Record<BundleKind, number>>): string {
  const state = (k: TrustedKey): string =>
    k.revokedAt !== null
      ? `revoked ${new Date(k.revokedAt).toISOString().slice(0, 10)}`
      : k.expiresAt !== null
        ? `expires ${new Date(k.expiresAt).toISOString().slice(0, 10)}`
        : 'active';
  const rows = keys.map((k) => [k.name, k.roles.join(','), k.source === 'demo-root' ? 'DEMO root' : 'imported', state(k), k.keyId]);
  const demo = keys.some((k) => k.source === 'demo-root')
    ? '\nDEMO roots are public test keys: anyone can sign with them. Remove them before real use (`fieldline bundle trust remove KEY-ID`).'
    : '';
  return `${table(['name', 'roles', 'source', 'state', 'key id'], rows)}\n\nthresholds: ${BUNDLE_KINDS.map((k) => `${k} ${thresholds[k]}`).join(', ')}${demo}`;
}
