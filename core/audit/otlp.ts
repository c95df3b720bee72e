/**
 * Audit batches as OTLP/HTTP JSON logs (an ExportLogsServiceRequest), so an OpenTelemetry
 * Collector can be the receiver, and back again for the reference receiver's `/v1/logs`.
 *
 * One logRecord per entry: `timeUnixNano` from `time`, severity INFO (WARN for failed or refused),
 * a human summary as body, the chain fields as `fieldline.audit.*` attributes, and
 * `fieldline.audit.entry` = the canonical JSON of the whole entry, so nothing is lost and every
 * hash can be recomputed from what the collector stored. The batch's checkpoint follows as a last
 * record with eventName (and attribute) `fieldline.audit.checkpoint`.
 */
import { AUDIT_FORMAT_VERSION, type AuditEntry } from './entry.js';
import { canonicalJson } from './canonical.js';
import { BATCH_TYPE, parseBatchValue, type AuditBatch, type BatchParse } from './batch.js';

export const OTLP_ENTRY = 'fieldline.audit.entry';
export const OTLP_CHECKPOINT = 'fieldline.audit.checkpoint';
export const OTLP_SCOPE = 'fieldline.audit';

type AnyValue = { stringValue: string } | { intValue: string };
interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { intValue: String(value) } });

const SEVERITY = { INFO: 9, WARN: 13 } as const;

/** One line a person can read in a log viewer without opening the attributes. */
export function summarize(entry: AuditEntry): string {
  const parts = [`#${entry.seq} ${entry.action}`];
  if (entry.phase !== 'event') parts.push(entry.phase);
  if (entry.result) parts.push(entry.result);
  if (entry.device) parts.push(`device ${entry.device.slice(0, 12)}`);
  if (entry.technician) parts.push(`by ${entry.technician.name}`);
  if (entry.error) parts.push(`${entry.error.code}: ${entry.error.message}`);
  return parts.join(' ');
}

function record(entry: AuditEntry): Record<string, unknown> {
  const warn = entry.result === 'failed' || entry.result === 'refused';
  const attributes: KeyValue[] = [
    str('fieldline.audit.log', entry.log),
    int('fieldline.audit.seq', entry.seq),
    str('fieldline.audit.hash', entry.hash),
    str('fieldline.audit.prev', entry.prev),
    str('fieldline.audit.action', entry.action),
    str('fieldline.audit.phase', entry.phase),
  ];
  if (entry.device) attributes.push(str('fieldline.audit.device', entry.device));
  if (entry.result) attributes.push(str('fieldline.audit.result', entry.result));
  attributes.push(str(OTLP_ENTRY, canonicalJson(entry)));
  return {
    timeUnixNano: `${entry.time}000000`,
    severityNumber: warn ? SEVERITY.WARN : SEVERITY.INFO,
    severityText: warn ? 'WARN' : 'INFO',
    eventName: OTLP_ENTRY,
    body: { stringValue: summarize(entry) },
    attributes,
  };
}

export function encodeOtlp(batch: AuditBatch, app = 'fieldline'): Buffer {
  const cp = batch.checkpoint;
  const request = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            str('service.name', 'fieldline'),
            str('service.version', app),
            str('fieldline.audit.log', batch.log),
            str('fieldline.audit.publicKey', batch.publicKey),
          ],
        },
        scopeLogs: [
          {
            scope: { name: OTLP_SCOPE, version: String(AUDIT_FORMAT_VERSION) },
            logRecords: [
              ...batch.entries.map(record),
              {
                timeUnixNano: `${cp.time}000000`,
                severityNumber: SEVERITY.INFO,
                severityText: 'INFO',
                eventName: OTLP_CHECKPOINT,
                body: { stringValue: `checkpoint #${cp.seq} head ${cp.head.slice(0, 12)}…` },
                attributes: [
                  str('fieldline.audit.log', cp.log),
                  int('fieldline.audit.seq', cp.seq),
                  str(OTLP_CHECKPOINT, canonicalJson(cp)),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(request), 'utf8');
}

/** The request the uploader sends to probe an OTLP receiver: valid, and carries no record. */
export const EMPTY_OTLP_REQUEST = '{"resourceLogs":[]}';

export type OtlpParse = BatchParse | { ok: true; empty: true };

/**
 * Rebuilds the batch from an ExportLogsServiceRequest, strictly: every record must carry an entry
 * or the checkpoint, and the summary attributes must agree with the entry they describe.
 */
export function parseOtlp(body: Buffer | string, maxEntries?: number): OtlpParse {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    return bad(`body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(value)) return bad('body must be an ExportLogsServiceRequest object');
  const resourceLogs = value.resourceLogs ?? [];
  if (!Array.isArray(resourceLogs)) return bad('resourceLogs: must be an array');
  const entries: unknown[] = [];
  let checkpoint: unknown;
  for (const [r, resource] of resourceLogs.entries()) {
    if (!isObject(resource)) return bad(`resourceLogs[${r}]: must be an object`);
    const scopeLogs = resource.scopeLogs ?? [];
    if (!Array.isArray(scopeLogs)) return bad(`resourceLogs[${r}].scopeLogs: must be an array`);
    for (const [s, scope] of scopeLogs.entries()) {
      if (!isObject(scope)) return bad(`resourceLogs[${r}].scopeLogs[${s}]: must be an object`);
      const records = scope.logRecords ?? [];
      if (!Array.isArray(records)) return bad(`resourceLogs[${r}].scopeLogs[${s}].logRecords: must be an array`);
      for (const [i, rec] of records.entries()) {
        const where = `logRecords[${i}]`;
        if (!isObject(rec)) return bad(`${where}: must be an object`);
        const attrs = attributes(rec.attributes);
        if (typeof attrs === 'string') return bad(`${where}.attributes: ${attrs}`);
        if (checkpoint !== undefined) return bad(`${where}: a record follows the checkpoint, which must be last`);
        const cpText = attrs.get(OTLP_CHECKPOINT);
        if (cpText !== undefined) {
          const parsed = parseJsonAttr(cpText);
          if (parsed === undefined) return bad(`${where}: ${OTLP_CHECKPOINT} is not JSON`);
          checkpoint = parsed;
          continue;
        }
        const text = attrs.get(OTLP_ENTRY);
        if (text === undefined) return bad(`${where}: carries neither ${OTLP_ENTRY} nor ${OTLP_CHECKPOINT}`);
        const entry = parseJsonAttr(text);
        if (!isObject(entry)) return bad(`${where}: ${OTLP_ENTRY} is not a JSON object`);
        for (const [attr, field] of [
          ['fieldline.audit.seq', 'seq'],
          ['fieldline.audit.hash', 'hash'],
          ['fieldline.audit.prev', 'prev'],
          ['fieldline.audit.log', 'log'],
        ] as const) {
          const stated = attrs.get(attr);
          if (stated !== undefined && stated !== String(entry[field]))
            return bad(`${where}: attribute ${attr} disagrees with the entry's ${field}`);
        }
        entries.push(entry);
      }
    }
  }
  if (entries.length === 0 && checkpoint === undefined) return { ok: true, empty: true };
  if (checkpoint === undefined) return bad(`the request has no ${OTLP_CHECKPOINT} record`);
  const first = entries[0];
  const cp = isObject(checkpoint) ? checkpoint : {};
  const firstSeq = isObject(first) ? first.seq : undefined;
  return parseBatchValue(
    {
      type: BATCH_TYPE,
      v: AUDIT_FORMAT_VERSION,
      log: isObject(first) ? first.log : cp.log,
      publicKey: cp.publicKey,
      first: firstSeq,
      last: typeof firstSeq === 'number' ? firstSeq + entries.length - 1 : undefined,
      entries,
      checkpoint,
    },
    maxEntries,
  );
}

function bad(reason: string): BatchParse {
  return { ok: false, status: 400, reason };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonAttr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** OTLP attributes as plain strings (ints as their decimal text, as OTLP JSON writes int64). */
function attributes(value: unknown): Map<string, string> | string {
  const out = new Map<string, string>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) return 'must be an array';
  for (const [i, kv] of value.entries()) {
    if (!isObject(kv) || typeof kv.key !== 'string' || !isObject(kv.value)) return `[${i}] must be {key, value}`;
    const v = kv.value;
    if (typeof v.stringValue === 'string') out.set(kv.key, v.stringValue);
    else if (typeof v.intValue === 'string' || typeof v.intValue === 'number') out.set(kv.key, String(v.intValue));
  }
  return out;
}
