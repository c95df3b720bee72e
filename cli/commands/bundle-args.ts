/**
 * Argument parsing shared by the `fieldline bundle` subcommands.
 *
 * node's parseArgs throws TypeErrors with its own codes; a technician should instead see which
 * option was wrong and the usage of the subcommand they ran.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from '../output.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseSubcommand<const O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
}

export function onePositional(positionals: readonly string[], what: string, usage: string): string {
  if (positionals.length !== 1)
    throw new CliError(`expected exactly one ${what}, got ${positionals.length ? positionals.join(' ') : 'none'}\n${usage}`);
  return positionals[0]!;
}

export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value.trim() === '') throw new CliError(`${flag} is required\n${usage}`);
  return value;
}

export function nonNegativeInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new CliError(`${flag} must be a whole number ≥ 0, got "${value}"`);
  return Number(value);
}

/** An ISO 8601 time or milliseconds since the epoch. */
export function parseTime(flag: string, value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new CliError(`${flag} must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got "${value}"`);
  return ms;
}
