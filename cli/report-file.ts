/**
 * Reports the CLI writes for the technician to keep (flash jobs, benchmark runs): the format a
 * file name asks for, and a write that fails with what to do instead of a stack trace.
 */
import { writeFile } from 'node:fs/promises';
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
