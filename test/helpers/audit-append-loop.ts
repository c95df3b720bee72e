/**
 * A child process for the crash test: appends to the audit log in a loop, one transaction per
 * append (and now and then a batch), printing each committed seq, until it is killed.
 *
 * Usage: node --import tsx test/helpers/audit-append-loop.ts DATA_DIR
 */
import { openAuditDb } from '../../core/audit/audit-db.js';
import { fileKeyVault } from '../../core/audit/audit-key.js';
import { AuditLog } from '../../core/audit/audit-log.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: audit-append-loop.ts DATA_DIR');
const log = new AuditLog(openAuditDb(dataDir), fileKeyVault(dataDir).load(), { checkpointEvery: 64 });
process.stdout.write(`ready ${log.head().seq}\n`);
for (let i = 0; ; i++) {
  if (i % 50 === 49) {
    const batch = log.appendMany(Array.from({ length: 20 }, (_, j) => ({ action: 'bench.run', params: { i, j } })));
    process.stdout.write(`${batch.map((e) => e.seq).join('\n')}\n`);
  } else {
    const intent = log.intent({ action: 'flash.install', device: `gw-${i % 4}`, params: { i } });
    process.stdout.write(`${intent.seq}\n`);
  }
}
