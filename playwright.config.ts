/**
 * End-to-end tests: the real UI in Debian's Chromium through `fieldline serve`, and the
 * Electron shell when its binary is present (test/e2e/electron.spec.ts).
 *
 * Playwright downloads no browser here; FIELDLINE_CHROMIUM overrides the system Chromium path.
 */
import { defineConfig } from '@playwright/test';

const chromiumPath = process.env.FIELDLINE_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: /.*\.spec\.ts$/,
  // Screenshots, traces and attachments land here; CI keeps the folder as an artifact.
  outputDir: 'test-results',
  // Guards against a hung run, not assertions about speed: the demo starts gateways first.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // One demo (three gateways and a server) at a time keeps the machine's loopback quiet.
  workers: 1,
  fullyParallel: false,
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    viewport: { width: 1366, height: 768 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'web',
      testIgnore: /electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromiumPath,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
    {
      name: 'electron',
      testMatch: /electron\.spec\.ts$/,
    },
  ],
});
