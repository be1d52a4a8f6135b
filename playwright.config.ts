import { defineConfig, type ReporterDescription } from '@playwright/test';

const inCi = Boolean(process.env.CI);

const reporters: ReporterDescription[] = [
  [inCi ? 'dot' : 'list'],
  ['junit', { outputFile: 'reports/junit/results.xml' }],
  ['./reporters/summary-line.ts'],
];

export default defineConfig({
  // A focused test would silently hide the rest of the suite in CI.
  forbidOnly: inCi,
  fullyParallel: true,
  workers: 2,
  timeout: 30_000,
  reporter: reporters,
  outputDir: 'test-results',
  projects: [
    {
      // The product's own tests: contracts, catalogue, generated code, validation API.
      name: 'self-test',
      testDir: 'tests',
    },
  ],
});
