/**
 * Passphrase mode in the real UI (Chromium through `fieldline serve --passphrase`): first set-up
 * explains why a passphrase is asked and checks it, the app then works; after a restart the same
 * folder opens on the unlock screen, a wrong passphrase is said to be wrong, and the right one
 * brings back the same profile. Settings › Keys then changes the passphrase: after another
 * restart the old one is refused and the new one opens the keys. The keys on disk stay sealed
 * throughout.
 */
import { expect, test, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';

const PASSPHRASE = 'copper kettle under stairs';
const NEW_PASSPHRASE = 'brass lantern over the door';

/** `fieldline serve` on `dataDir` (loopback only, no gateways), with the given extra flags. */
function serve(dataDir: string, flags: readonly string[]): Promise<ServeProcess> {
  return startServe({ dataDir, flags });
}

let dataDir: string;
let server: ServeProcess | null = null;

test.beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fieldline-e2e-unlock-'));
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function fillPassphrase(page: Page, testId: string, value: string): Promise<void> {
  await page.getByTestId(testId).fill(value);
}

test('first set-up seals the keys; after a restart the unlock screen opens them again', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  server = await serve(dataDir, ['--passphrase']);

  await test.step('a fresh folder asks to choose a passphrase and says why', async () => {
    await page.goto(server!.url);
    await expect(page.getByTestId('passphrase-setup')).toBeVisible();
    await expect(page.getByTestId('keys-reason')).toContainText('started with --passphrase');
    await fillPassphrase(page, 'setup-passphrase', 'short');
    await fillPassphrase(page, 'setup-confirm', 'short');
    await page.getByTestId('setup-submit').click();
    await expect(page.getByTestId('setup-problem')).toContainText('at least 10 characters');
    await fillPassphrase(page, 'setup-passphrase', PASSPHRASE);
    await fillPassphrase(page, 'setup-confirm', `${PASSPHRASE}!`);
    await page.getByTestId('setup-submit').click();
    await expect(page.getByTestId('setup-problem')).toContainText('The two passphrases differ');
    await fillPassphrase(page, 'setup-confirm', PASSPHRASE);
    await page.getByTestId('setup-submit').click();
  });

  await test.step('the keys open: first run creates the profile with a sealed key', async () => {
    await expect(page.getByTestId('first-run')).toBeVisible();
    await page.getByTestId('profile-name-input').fill('Ana Técnica');
    await page.getByTestId('profile-organisation-input').fill('Fieldline QA');
    await page.getByTestId('profile-create').click();
    await expect(page.getByTestId('first-run')).toContainText(/[0-9a-f]{64}/);
    expect(existsSync(join(dataDir, 'technician-key.locked'))).toBe(true);
    for (const name of readdirSync(dataDir))
      expect(readFileSync(join(dataDir, name)).toString('latin1'), name).not.toMatch(/PRIVATE KEY|copper kettle/);
  });

  await server.stop();
  // Without --passphrase: a folder sealed with one always asks for it.
  server = await serve(dataDir, []);

  await test.step('after a restart the unlock screen shows, and a wrong passphrase is said to be wrong', async () => {
    await page.goto(server!.url);
    await expect(page.getByTestId('unlock-screen')).toBeVisible();
    await expect(page.getByTestId('keys-reason')).toContainText('sealed with a passphrase');
    const input = page.getByTestId('passphrase-input');
    await input.fill('copper kettle under stair');
    await expect(input).toHaveAttribute('type', 'password');
    await page.getByTestId('passphrase-input-toggle').click();
    await expect(input).toHaveAttribute('type', 'text');
    await expect(page.getByTestId('passphrase-input-toggle')).toHaveAttribute('aria-pressed', 'true');
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('unlock-error')).toContainText('Wrong passphrase');
    await expect(page.getByTestId('unlock-error-code')).toHaveText('wrong_passphrase');
    await expect(input, 'the field gets the focus back for the next try').toBeFocused();
    const path = testInfo.outputPath('unlock-wrong-passphrase.png');
    await page.screenshot({ path });
    await testInfo.attach('unlock-wrong-passphrase', { path, contentType: 'image/png' });
  });

  await test.step('the right passphrase opens the same profile', async () => {
    await page.getByTestId('passphrase-input').fill(PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('unlock-screen')).toHaveCount(0);
    await expect(page.getByTestId('profile-menu')).toContainText('Ana Técnica', { timeout: 30_000 });
  });

  await test.step('Settings › Keys says how the keys are protected and why', async () => {
    await page.getByTestId('profile-menu').locator('summary').click();
    const keys = page.getByTestId('keys-settings');
    await expect(keys).toBeVisible();
    await expect(keys.getByTestId('keys-mode')).toHaveAttribute('data-mode', 'passphrase');
    await expect(keys.getByTestId('keys-mode')).toHaveText('Sealed with your passphrase');
    await expect(keys.getByTestId('keys-settings-reason')).toContainText('sealed with a passphrase');
    await expect(keys.getByTestId('change-passphrase-form')).toBeVisible();
  });

  await test.step('the change form explains a short or mistyped new passphrase and a wrong current one', async () => {
    await fillPassphrase(page, 'change-current', PASSPHRASE);
    await fillPassphrase(page, 'change-next', 'short');
    await fillPassphrase(page, 'change-confirm', 'short');
    await page.getByTestId('change-submit').click();
    await expect(page.getByTestId('change-problem')).toContainText('at least 10 characters');
    await fillPassphrase(page, 'change-next', NEW_PASSPHRASE);
    await fillPassphrase(page, 'change-confirm', `${NEW_PASSPHRASE}!`);
    await page.getByTestId('change-submit').click();
    await expect(page.getByTestId('change-problem')).toContainText('The two passphrases differ');

    await fillPassphrase(page, 'change-current', 'copper kettle under stair');
    await fillPassphrase(page, 'change-confirm', NEW_PASSPHRASE);
    await page.getByTestId('change-submit').click();
    await expect(page.getByTestId('change-error')).toContainText('Wrong current passphrase');
    await expect(page.getByTestId('change-error-code')).toHaveText('wrong_passphrase');
    await expect(page.getByTestId('change-current'), 'what was typed is not kept').toHaveValue('');
    await expect(page.getByTestId('change-current')).toBeFocused();
  });

  await test.step('the right current passphrase reseals the keys with the new one', async () => {
    await fillPassphrase(page, 'change-current', PASSPHRASE);
    await page.getByTestId('change-submit').click();
    await expect(page.getByTestId('change-done')).toContainText('Passphrase changed', { timeout: 30_000 });
    await expect(page.getByTestId('change-error')).toHaveCount(0);
    for (const id of ['change-current', 'change-next', 'change-confirm']) await expect(page.getByTestId(id), id).toHaveValue('');
    const path = testInfo.outputPath('keys-passphrase-changed.png');
    await page.screenshot({ path });
    await testInfo.attach('keys-passphrase-changed', { path, contentType: 'image/png' });
    for (const name of readdirSync(dataDir))
      expect(readFileSync(join(dataDir, name)).toString('latin1'), name).not.toMatch(/PRIVATE KEY|copper kettle|brass lantern/);
  });

  await server.stop();
  server = await serve(dataDir, []);

  await test.step('after a restart the old passphrase is refused and the new one opens the same profile', async () => {
    await page.goto(server!.url);
    await expect(page.getByTestId('unlock-screen')).toBeVisible();
    await page.getByTestId('passphrase-input').fill(PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('unlock-error-code')).toHaveText('wrong_passphrase');
    await page.getByTestId('passphrase-input').fill(NEW_PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('unlock-screen')).toHaveCount(0);
    await expect(page.getByTestId('profile-menu')).toContainText('Ana Técnica', { timeout: 30_000 });
    // Lists asked for while the keys were locked are asked again once they open.
    await expect(page.getByTestId('devices-view')).toBeVisible();
    await expect(page.getByTestId('devices-load-error')).toHaveCount(0);
  });
});
