/**
 * Printing for people (aligned tables) and for scripts (`--json`).
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A CLI failure: the message for the technician, the fix, and the reason code for support. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
    readonly code = 'usage',
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function reportError(err: unknown): number {
  const e = err as { message?: string; fix?: string; code?: string; exitCode?: number };
  process.stderr.write(`fieldline: ${e.message ?? String(err)}\n`);
  if (e.fix) process.stderr.write(`  what to do: ${e.fix}\n`);
  if (e.code && e.code !== 'usage') process.stderr.write(`  (reason code: ${e.code})\n`);
  return e.exitCode ?? 1;
}

export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

export function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

export function relativeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}
