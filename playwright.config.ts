import { defineConfig, type ReporterDescription } from '@playwright/test';
import { ConfigurationError } from './mocks/faults.js';
import { loadDotEnv, readTargets } from './lib/targets-config.js';

const inCi = Boolean(process.env.CI);
const selfTestOnly = process.argv.some((arg) => arg.includes('self-test'));

// The targets are read once, here, so that a wrong configuration stops the run before any test with one line
// (exit code 2), and so that every worker shares one seed.
loadDotEnv();
let externalSink = false;
if (!selfTestOnly) {
  try {
    const targets = readTargets();
    process.env.SEED = String(targets.seed);
    externalSink = targets.d1.kind === 'external' && targets.d1.notifySinkPort !== undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const reporters: ReporterDescription[] = [
  [inCi ? 'dot' : 'list'],
  ['junit', { outputFile: 'reports/junit/results.xml' }],
  ['./reporters/certification.ts'],
  ['./reporters/summary-line.ts'],
];

export default defineConfig({
  // A focused test would silently hide the rest of the suite in CI.
  forbidOnly: inCi,
  fullyParallel: true,
  // The notification receiver of an external D1 listens on one fixed port, which only one worker can hold.
  workers: externalSink ? 1 : 2,
  timeout: 30_000,
  reporter: reporters,
  outputDir: 'test-results',
  projects: [
    {
      // The product's own tests: contracts, catalogue, generated code, validation API, mocks.
      name: 'self-test',
      testDir: 'tests',
    },
    // The conformance suites, run by `npm run certify` against the configured targets or the embedded mocks.
    { name: 'd1', testDir: 'suites/d1' },
    { name: 'issuer', testDir: 'suites/issuer' },
    { name: 'flows', testDir: 'suites/flows' },
    { name: 'properties', testDir: 'suites/properties' },
  ],
});
