import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded one (`npx playwright install` is not used on these machines).
const CHROMIUM = process.env.CRVIDEO_CHROMIUM ?? '/usr/bin/chromium';

const args = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');

export default defineConfig({
  // Paths here are relative to this file: tests are the *.spec.ts files of e2e/.
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results/e2e',
  workers: 1,
  retries: 0,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM, args },
    permissions: ['camera', 'microphone'],
    trace: 'retain-on-failure',
  },
});
