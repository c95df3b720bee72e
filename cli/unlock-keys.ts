/**
 * Before a CLI command runs in a passphrase-sealed data folder: the passphrase from
 * FIELDLINE_PASSPHRASE, or typed in the terminal without echo. Without a terminal or the
 * variable nothing is asked; the command then fails with keys_locked and says how to unlock.
 */
import { defaultDataDir } from '../core/store/paths.js';
import { PASSPHRASE_VARIABLE, sessionForFolder } from '../core/secrets/environment-unlock.js';
import { folderProtection } from '../core/secrets/key-files.js';
import { passphraseKeySession } from '../core/secrets/key-session.js';
import { SecretsError } from '../core/secrets/secrets-error.js';
import { keySessionFor, registerKeySession } from '../core/secrets/session-registry.js';

const TRIES = 3;

/** `--data-dir DIR` or `--data-dir=DIR` anywhere in argv, else the default folder. */
export function dataDirOf(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data-dir' && argv[i + 1] !== undefined) return argv[i + 1]!;
    if (arg.startsWith('--data-dir=')) return arg.slice('--data-dir='.length);
  }
  return defaultDataDir();
}

export interface PromptIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Reads one line from a terminal in raw mode, echoing nothing; Ctrl+C or Ctrl+D cancels. */
export function readHidden(prompt: string, io: Pick<PromptIo, 'stdin' | 'stderr'>): Promise<string> {
  return new Promise((resolve, reject) => {
    const { stdin, stderr } = io;
    // Raw mode before the prompt: anything typed once the prompt shows must not be echoed.
    stdin.setRawMode(true);
    stderr.write(prompt);
    let typed = '';
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(typed);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          done();
          reject(
            new SecretsError('keys_locked', 'Cancelled: the keys stay locked', `Run the command again, or set ${PASSPHRASE_VARIABLE}.`),
          );
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

export async function unlockKeysForCli(
  argv: readonly string[],
  io: PromptIo = { stdin: process.stdin, stderr: process.stderr, env: process.env },
): Promise<void> {
  const dataDir = dataDirOf(argv);
  if (keySessionFor(dataDir) || folderProtection(dataDir) !== 'passphrase') return;
  if (io.env[PASSPHRASE_VARIABLE]) {
    sessionForFolder(dataDir, io.env);
    return;
  }
  if (!io.stdin.isTTY) return;
  const session = passphraseKeySession(dataDir);
  for (let attempt = 1; ; attempt++) {
    const passphrase = await readHidden('Passphrase for your Fieldline keys: ', io);
    try {
      await session.unlock(passphrase);
      registerKeySession(session);
      return;
    } catch (err) {
      if (!(err instanceof SecretsError) || err.code !== 'wrong_passphrase' || attempt >= TRIES) throw err;
      io.stderr.write(`${err.message}. ${err.fix}\n`);
      if (err.retryAfterMs) await new Promise((r) => setTimeout(r, err.retryAfterMs));
    }
  }
}
