/**
 * `fieldline profile` and `fieldline pins`: the technician identity and the device pins.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../../core/store/database.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { PinStore } from '../../core/store/pin-store.js';
import { ProfileStore } from '../../core/store/profile-store.js';
import { withCliAudit } from '../cli-audit.js';
import { CliError, printJson } from '../output.js';

export const profileUsage = `fieldline profile show [--json] [--data-dir DIR]
fieldline profile create --name NAME --organisation ORG [--data-dir DIR]
  The technician profile holds your Ed25519 key. A gateway trusts the key once it is enrolled on it:
  on the gateway, \`fieldline agent --trust <public key> --name <your name>\` (or your organisation's provisioning).`;

export const pinsUsage = `fieldline pins forget --vendor V --model M --serial S [--data-dir DIR]
  Forgets the device key pinned for one gateway, after its key changed for a known reason (re-imaged, board replaced).`;

export async function runProfile(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, organisation: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    strict: true,
  });
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const db = openDatabase(dataDir);
  try {
    const profiles = new ProfileStore(db, dataDir);
    if (action === 'show') {
      const profile = profiles.get();
      if (values.json) printJson(profile);
      else if (!profile)
        process.stdout.write('No technician profile yet. Create one: fieldline profile create --name NAME --organisation ORG\n');
      else
        process.stdout.write(
          `${profile.name} (${profile.organisation})\n  key id      ${profile.keyId}\n  public key  ${profile.publicKey}\n`,
        );
      return 0;
    }
    if (action === 'create') {
      if (!values.name?.trim() || !values.organisation?.trim())
        throw new CliError(`profile create needs --name and --organisation\n${profileUsage}`);
      if (profiles.get())
        throw new CliError(
          'a technician profile already exists on this laptop',
          'Use `fieldline profile show` to see it.',
          'profile_exists',
          1,
        );
      const name = values.name.trim();
      const organisation = values.organisation.trim();
      const profile = await withCliAudit(db, dataDir, (audit) =>
        audit.after(
          'profile.create',
          null,
          { name, organisation, via: 'cli' },
          async () => profiles.create(name, organisation),
          (p) => ({ params: { keyId: p.keyId } }),
        ),
      );
      process.stdout.write(
        `Created profile for ${profile.name}.\n  public key  ${profile.publicKey}\nEnrol it on a gateway with: fieldline agent --trust ${profile.publicKey} --name "${profile.name}"\n`,
      );
      return 0;
    }
    throw new CliError(`unknown profile action "${action ?? ''}"\n${profileUsage}`);
  } finally {
    db.close();
  }
}

export async function runPins(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { vendor: { type: 'string' }, model: { type: 'string' }, serial: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
  });
  if (action !== 'forget' || !values.vendor || !values.model || !values.serial) throw new CliError(pinsUsage);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const db = openDatabase(dataDir);
  try {
    const hardware = { vendor: values.vendor, model: values.model, serial: values.serial };
    const forgotten = await withCliAudit(db, dataDir, (audit) =>
      audit.after(
        'device.pin-forget',
        null,
        { ...hardware, via: 'cli' },
        async () => new PinStore(db).forget(hardware),
        (done) => ({ params: { forgotten: done } }),
      ),
    );
    process.stdout.write(
      forgotten ? 'Pin forgotten: the next contact pins the key it presents.\n' : 'No pin was stored for that gateway.\n',
    );
    return 0;
  } finally {
    db.close();
  }
}
