/**
 * The Audit view through `fieldline serve` with a fresh data folder and one emulated gateway:
 * authenticating with the gateway leaves an intent and a result, which the timeline shows as one
 * row with the gateway's name; filters narrow it in the engine; the details show every field and
 * the linked intent; saving the upload settings appears live; the chain verifies; the sneakernet
 * export downloads a file that starts with its header; an entry edited in audit.db behind the
 * app's back makes Verify now name where the chain breaks. The status bar's audit item leads here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { startDemo, type Demo } from './fixtures/start-demo.js';
import { AppPage } from './pages/app-page.js';
import { AuditPage } from './pages/audit-page.js';

let demo: Demo;

test.beforeAll(async () => {
  test.setTimeout(150_000);
  demo = await startDemo({ gateways: 1 });
});

test.afterAll(async () => {
  await demo?.stop();
});

test('every action leaves an entry the technician can read, filter, verify and export', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const gateway = demo.gateways[0];
  test.skip(gateway === undefined, 'the demo server did not list a gateway (external server)');
  const app = new AppPage(page);
  const audit = new AuditPage(page);
  await app.open(demo.url);
  if ((await app.landing()) === 'first-run') {
    await app.firstRun.createProfile('Audit Technician', 'Fieldline QA');
    await app.firstRun.continueButton.click();
  }
  await expect(app.devices.root).toBeVisible();
  // `serve --demo-agents` brings its own demo technician; a fresh profile is "Audit Technician".
  const technician = (await page.getByTestId('profile-menu').locator('summary').innerText()).split(' · ')[0]!.trim();

  let gatewayName = '';
  await test.step('authenticate with the gateway: an action that touches a device', async () => {
    const row = page.locator(`[data-testid="device-row"][data-device-id^="${gateway!.idPrefix}"]`);
    await expect(row, `the demo gateway in the list\n${demo.output()}`).toBeVisible({ timeout: 60_000 });
    gatewayName = (await row.getByTestId('device-row-name').innerText()).trim();
    await row.click();
    const outcome = await app.devices.panel.authenticate();
    expect(outcome.ok, `authentication failed:\n${outcome.text}`).toBe(true);
  });

  await test.step('the status bar shows the audit queue; a click opens the Audit view', async () => {
    await expect(audit.statusItem).toHaveText(/^Audit: /);
    await expect(audit.statusItem).toHaveAttribute('data-tone', /^(idle|ok|busy|warn)$/);
    await audit.statusItem.click();
    await expect(page).toHaveURL(/#audit$/);
    await expect(audit.root).toBeVisible();
    await expect(audit.listError).toHaveCount(0);
  });

  await test.step('the timeline pairs the intent with its result: one "Authenticated" row, OK, with the gateway’s name', async () => {
    const authRow = audit.rowsFor('device.authenticate').first();
    await expect(authRow).toBeVisible();
    await expect(authRow).toHaveAttribute('data-kind', 'outcome');
    await expect(authRow.getByTestId('audit-row-action')).toHaveText('Authenticated');
    await expect(authRow.getByTestId('audit-result')).toHaveAttribute('data-result', 'ok');
    await expect(authRow).toContainText(gatewayName);
    await expect(authRow).toContainText(technician);
    // The intent is folded into its result's row, never listed on its own once answered.
    await expect(page.locator('[data-testid="audit-row"][data-action="device.authenticate"][data-kind="pending"]')).toHaveCount(0);
    await audit.screenshot('audit-timeline', testInfo);
  });

  await test.step('filters apply in the engine: action family, result, and back to everything', async () => {
    await audit.actionFilter.selectOption('device');
    await expect(audit.rowsFor('device.authenticate').first()).toBeVisible();
    for (const action of await audit.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action') ?? '')))
      expect(action).toMatch(/^device\./);
    await audit.resultFilter.selectOption('cancelled');
    await expect(audit.empty).toContainText('No entry matches these filters');
    await audit.clearFilters.click();
    await expect(audit.resultFilter).toHaveValue('');
    await audit.actionFilter.selectOption('audit');
    await expect(audit.rowsFor('audit.log-created')).toHaveCount(1);
    await expect(audit.rowsFor('audit.log-created').getByTestId('audit-row-action')).toHaveText('Audit log created');
    await audit.clearFilters.click();
    await expect(audit.rowsFor('device.authenticate').first()).toBeVisible();
  });

  await test.step('the details panel shows every field, hashes to copy, and the linked intent', async () => {
    await audit.rowsFor('device.authenticate').first().click();
    await expect(audit.details).toBeVisible();
    await expect(page.getByTestId('audit-detail-hash')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('audit-detail-prev')).toHaveText(/^[0-9a-f]{64}$/);
    await expect(page.getByTestId('audit-detail-device')).toHaveText(new RegExp(`^${gateway!.idPrefix}[0-9a-f]{52}$`));
    await expect(audit.details).toContainText('Result — written when the action ended');
    const resultSeq = Number(await audit.details.getAttribute('data-seq'));
    await page.getByTestId('audit-detail-intent').click();
    await expect(audit.details).toContainText('Intent — written before the gateway was touched');
    const intentSeq = Number(await audit.details.getAttribute('data-seq'));
    expect(intentSeq).toBeLessThan(resultSeq);
    await expect(page.getByTestId('audit-detail-result')).toHaveText(`#${resultSeq}`);
    await audit.screenshot('audit-details', testInfo);
    await page.keyboard.press('Escape');
    await expect(audit.details).toHaveCount(0);
  });

  await test.step('a row opens from the keyboard', async () => {
    await audit.rows.first().focus();
    await page.keyboard.press('Enter');
    await expect(audit.details).toBeVisible();
    await expect(page.locator('#audit-details-heading')).toBeFocused();
    // Escape closes it and puts the keyboard back on the row it came from.
    await page.keyboard.press('Escape');
    await expect(audit.details).toHaveCount(0);
    await expect(audit.rows.first()).toBeFocused();
  });

  await test.step('upload settings: the engine’s validation message shows; a saved change appears live in the timeline', async () => {
    await expect(audit.syncState).toHaveAttribute('data-state', 'disabled');
    await expect(audit.statusItem).toHaveText('Audit: not configured');
    await audit.settingsToggle.click();
    await audit.settingsEndpoint.fill('not a url');
    await audit.settingsSave.click();
    await expect(audit.settingsError).toContainText('full URL');
    await audit.settingsEndpoint.fill('');
    await audit.settingsSite.fill('E2E plant, line 2');
    await audit.settingsSave.click();
    await expect(audit.settingsSaved).toBeVisible();
    // No reload: the row arrives through the `audit.appended` event.
    const configured = audit.rowsFor('audit.configure').first();
    await expect(configured).toBeVisible();
    await configured.click();
    await expect(page.getByTestId('audit-detail-params')).toContainText('E2E plant, line 2');
    await audit.detailsClose.click();
  });

  await test.step('Verify now: the whole chain verifies, with its head', async () => {
    await audit.verifyButton.click();
    await expect(audit.chainHeadline).toHaveText(/^Verified: [\d,]+ entries, head #\d+ \([0-9a-f]{12}…\)$/);
    await expect(page.getByTestId('audit-chain')).toHaveAttribute('data-ok', 'true');
    await expect(audit.keyProtection).toContainText(/Audit key kept in (the OS keychain|a file readable only by you)/);
  });

  await test.step('Export for sneakernet downloads a signed file that starts with its header', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), audit.exportButton.click()]);
    expect(download.suggestedFilename()).toMatch(/\.fieldline-audit\.jsonl$/);
    const file = await download.path();
    const text = await readFile(file, 'utf8');
    const header = JSON.parse(text.split('\n')[0]!) as { type?: unknown; first?: unknown; last?: unknown; count?: unknown };
    expect(header.type).toBe('fieldline-audit-export');
    await expect(audit.exportResult).toContainText(`#${String(header.first)}`);
    await expect(audit.exportResult).toContainText(`${String(header.count)} ${header.count === 1 ? 'entry' : 'entries'}`);
    await audit.screenshot('audit-exported', testInfo);
  });

  await test.step('an entry edited behind the app’s back: Verify now says where the chain breaks and shows that entry', async () => {
    test.skip(demo.dataDir === undefined, 'an external server’s data folder is not reachable');
    // What an attacker with file access could do: drop the append-only triggers and edit entry #3.
    const db = new Database(join(demo.dataDir!, 'audit.db'));
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[])
        db.exec(`DROP TRIGGER "${name}"`);
      db.exec(`UPDATE audit_entries SET entry = replace(entry, '"time":', '"time":1') WHERE seq = 3`);
    } finally {
      db.close();
    }
    await audit.verifyButton.click();
    await expect(audit.chainHeadline).toHaveText(/^Broken at #3: /);
    await expect(page.getByTestId('audit-chain')).toHaveAttribute('data-ok', 'false');
    await page.getByTestId('audit-chain-show-bad').click();
    await expect(page.getByTestId('audit-detail-params')).toBeVisible();
    await audit.screenshot('audit-broken', testInfo);
    await audit.detailsClose.click();
  });

  await test.step('readable in the dark and high-contrast themes (screenshots kept as artifacts)', async () => {
    for (const theme of ['dark', 'high-contrast']) {
      await page.getByTestId('theme-select').selectOption(theme);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expect(audit.chainHeadline).toBeVisible();
      await audit.screenshot(`audit-${theme}`, testInfo);
    }
  });
});
