/**
 * Reports the CLI writes for the technician to keep (flash jobs, benchmark runs): the format a
 * file name asks for, a write that fails with what to do instead of a stack trace, and the
 * `report <id>` subcommand both commands share.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from '../core/engine/engine.js';
import { defaultDataDir } from '../core/store/paths.js';
import { CliError } from './output.js';

/** `.html`/`.htm` asks for the printable page; anything else gets JSON. */
export function reportFormat(file: string): 'json' | 'html' {
  return /\.html?$/i.test(file) ? 'html' : 'json';
}

export async function writeReportFile(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content);
  } catch (err) {
    throw new CliError(
      `could not write the report to ${file}: ${(err as Error).message}`,
      'Choose a folder you can write to.',
      'report_unwritable',
      1,
    );
  }
}

/** What differs between `fieldline flash report` and `fieldline bench report`. */
export interface StoredReportCommand {
  /** "flash report" */
  readonly command: string;
  /** "job": in "needs one job id" and "Wrote the report of job …". */
  readonly idOf: string;
  /** "flash jobs": in "… matches 2 flash jobs". */
  readonly plural: string;
  /** "flash job": in "there is no flash job with an id starting …". */
  readonly unknown: string;
  readonly unknownFix: string;
  readonly unknownCode: string;
  readonly usage: string;
  /** The stored records' ids, to match the prefix against. */
  list(engine: Engine): Promise<readonly { readonly id: string }[]>;
  export(engine: Engine, id: string, format: 'json' | 'html'): Promise<{ readonly content: string }>;
}

/** `fieldline <thing> report <id-prefix> [--html] [--out FILE] [--data-dir DIR]`: the report of a stored record. */
export async function runStoredReport(argv: string[], spec: StoredReportCommand): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { html: { type: 'boolean' }, out: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  const [prefix, ...extra] = positionals;
  if (prefix === undefined || extra.length > 0 || !/^[0-9a-f]{6,32}$/i.test(prefix))
    throw new CliError(`${spec.command} needs one ${spec.idOf} id (6 to 32 hex digits)\n${spec.usage}`);
  const engine = await createEngine({ dataDir: values['data-dir'] ?? defaultDataDir(), host: 'cli' });
  try {
    const matches = (await spec.list(engine)).filter((r) => r.id.startsWith(prefix.toLowerCase()));
    if (matches.length > 1) throw new CliError(`"${prefix}" matches ${matches.length} ${spec.plural}; give more digits`);
    const record = matches[0];
    if (record === undefined)
      throw new CliError(`there is no ${spec.unknown} with an id starting ${prefix}`, spec.unknownFix, spec.unknownCode, 1);
    const format = values.html === true ? 'html' : 'json';
    const exported = await spec.export(engine, record.id, format);
    if (values.out === undefined) process.stdout.write(exported.content);
    else {
      await writeReportFile(values.out, exported.content);
      process.stderr.write(`Wrote the report of ${spec.idOf} ${record.id.slice(0, 8)} to ${values.out}\n`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}
