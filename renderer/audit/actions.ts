/**
 * Audit actions in plain words, and the families the timeline filters by. Pure, unit-tested.
 *
 * The engine names actions in dotted lowercase (`flash.transfer`); the technician reads
 * "Flash: transfer". Actions this table does not know yet are shown as the engine wrote them,
 * so a newer engine never produces a blank row.
 */

/** The filter's families, in the order a job happens; each is an `audit.list` action prefix. */
export const ACTION_FAMILIES = [
  'discovery',
  'device',
  'bundle',
  'trust',
  'flash',
  'bench',
  'diagnose',
  'report',
  'audit',
  'profile',
] as const;
export type ActionFamily = (typeof ACTION_FAMILIES)[number];

export const FAMILY_LABELS: Readonly<Record<ActionFamily, string>> = {
  discovery: 'Discovery',
  device: 'Gateways (add, authenticate, read)',
  bundle: 'Bundles',
  trust: 'Trust store',
  flash: 'Flash',
  bench: 'Benchmarks',
  diagnose: 'Diagnostics',
  report: 'Reports exported',
  audit: 'Audit log',
  profile: 'Technician profile',
};

const KNOWN: Readonly<Record<string, string>> = {
  'audit.log-created': 'Audit log created',
  'audit.configure': 'Audit upload settings changed',
  'audit.export': 'Audit log exported',
  'audit.sync': 'Audit log uploaded',
  'audit.witness-check': 'Witness checked on gateway',
  'audit.witness': 'Witness left on gateway',
  'profile.create': 'Technician profile created',
  'discovery.start': 'Discovery started',
  'discovery.stop': 'Discovery stopped',
  'discovery.device-found': 'Gateway found',
  'discovery.device-lost': 'Gateway lost',
  'device.add': 'Gateway added by address',
  'device.authenticate': 'Authenticated',
  'device.info': 'Gateway details read',
  'bundle.import': 'Bundle imported',
  'bundle.check': 'Bundle checked against gateway',
  'bundle.remove': 'Bundle removed',
  'trust.import': 'Signing key trusted',
  'trust.remove': 'Signing key removed',
  'trust.revoke': 'Signing key revoked',
  'flash.start': 'Flash job started',
  'flash.cancel': 'Flash cancelled',
  'flash.retry': 'Flash retried',
  'bench.run': 'Benchmark',
  'bench.cancel': 'Benchmark cancelled',
  'diagnose.run': 'Diagnosis',
  'report.export': 'Report exported',
};

const FAMILY_WORDS: Readonly<Record<string, string>> = {
  discovery: 'Discovery',
  device: 'Gateway',
  bundle: 'Bundle',
  trust: 'Trust',
  flash: 'Flash',
  bench: 'Benchmark',
  diagnose: 'Diagnosis',
  report: 'Report',
  audit: 'Audit',
  profile: 'Profile',
};

/**
 * "Flash: transfer" for the actions of a known family this table has no sentence for;
 * the action as written for anything else.
 */
export function actionLabel(action: string): string {
  const known = KNOWN[action];
  if (known !== undefined) return known;
  const dot = action.indexOf('.');
  if (dot > 0) {
    const family = FAMILY_WORDS[action.slice(0, dot)];
    if (family !== undefined) return `${family}: ${action.slice(dot + 1).replace(/[.-]/g, ' ')}`;
  }
  return action;
}

export function isActionFamily(value: string): value is ActionFamily {
  return (ACTION_FAMILIES as readonly string[]).includes(value);
}
