#!/usr/bin/env node
/**
 * The `fieldline` command: every engine capability, scriptable.
 */
import { runAgentCommand } from '../agent/cli.js';
import { runDemo, runServe, serveUsage, demoUsage } from './commands/serve.js';
import { discoverUsage, runDiscover } from './commands/discover.js';
import { infoUsage, runInfo } from './commands/info.js';
import { bundleUsage, runBundle } from './commands/bundle.js';
import { flashUsage, runFlash } from './commands/flash.js';
import { benchUsage, runBench } from './commands/bench.js';
import { diagnoseUsage, runDiagnose } from './commands/diagnose.js';
import { pinsUsage, profileUsage, runPins, runProfile } from './commands/profile.js';
import { auditSubcommands, auditUsage, runAudit } from './commands/audit.js';
import { auditSyncSubcommands } from './commands/audit-sync.js';
import { ingestUsage, runIngest } from './commands/ingest.js';
import { runUsb, usbUsage } from './commands/usb.js';
import { unlockKeysForCli } from './unlock-keys.js';
import { packageVersion } from '../core/package-info.js';
import { CliError, reportError } from './output.js';

// `audit sync` and `audit status` (the uploader) join the `audit` subcommand table.
Object.assign(auditSubcommands, auditSyncSubcommands);

const usage = `Fieldline — find, flash, benchmark and audit edge-AI gateways, offline.

Usage:
${[discoverUsage, infoUsage, serveUsage, demoUsage, profileUsage, pinsUsage, bundleUsage, flashUsage, benchUsage, diagnoseUsage, auditUsage(), ingestUsage, usbUsage, 'fieldline agent --help   run the reference gateway agent (see its own help)', 'fieldline help | --version'].map((u) => `  ${u.replace(/\n/g, '\n  ')}`).join('\n\n')}
`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  discover: runDiscover,
  info: runInfo,
  serve: runServe,
  demo: runDemo,
  profile: runProfile,
  pins: runPins,
  bundle: runBundle,
  flash: runFlash,
  bench: runBench,
  diagnose: runDiagnose,
  audit: runAudit,
  ingest: runIngest,
  agent: runAgentCommand,
  usb: runUsb,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const run = commands[command];
  if (!run) throw new CliError(`unknown command "${command}"; run \`fieldline help\``);
  // serve unlocks in the page; the agent is a gateway and has no technician keys.
  if (command !== 'serve' && command !== 'agent') await unlockKeysForCli(rest);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (serve, demo, agent) resolve only when they are done.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err);
  },
);
