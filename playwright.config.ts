import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig, type ReporterDescription } from '@playwright/test';
import { ConfigurationError } from './lib/config/errors.js';
import { loadDotEnv, readTargets, targetLabels } from './lib/config/targets.js';
import { readTransportPolicy } from './lib/config/transport.js';
import { fromRoot, reportsDirectory } from './lib/paths.js';

const inCi = Boolean(process.env.CI);
const selfTestOnly = process.argv.some((arg) => arg.includes('self-test'));

// The targets are read once, here, so that a wrong configuration stops the run before any test with one line
// (exit code 2), and so that every worker shares one seed.
loadDotEnv();
let anyExternal = false;
let testRestarts = 0;
let environmentInfo: Record<string, string> = {};
if (!selfTestOnly) {
  try {
    const targets = readTargets();
    process.env.SEED = String(targets.seed);
    anyExternal = targets.d1.kind === 'external' || targets.issuer.kind === 'external';
    // A test is started again only after a transport fault it could not absorb; an embedded mock has no network.
    testRestarts = anyExternal ? readTransportPolicy().testRestarts : 0;
    environmentInfo = reportEnvironment(targets);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** What the Allure report's environment panel shows: targets, the contracts' version, tool versions, the seed. */
function reportEnvironment(targets: ReturnType<typeof readTargets>): Record<string, string> {
  const contracts = readdirSync(fromRoot('contracts'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const hash = createHash('sha256');
  for (const file of contracts) hash.update(file).update(readFileSync(fromRoot('contracts', file)));
  const versions = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return {
    'D1 target': targetLabels(targets).d1,
    'issuer target': targetLabels(targets).issuer,
    'contracts version': hash.digest('hex').slice(0, 12),
    node: process.version,
    '@playwright/test': versions.dependencies['@playwright/test'] ?? '?',
    'allure-playwright': versions.dependencies['allure-playwright'] ?? '?',
    seed: String(targets.seed),
  };
}

// In the working directory, never in the package: certify runs Playwright from its caller's directory.
const reportsDir = reportsDirectory();
const EXTERNAL_WORKERS = 6;
// The properties of the bank's notification endpoints judge the bank; the other properties judge D1.
const NOTIFICATION_PROPERTIES = 'notification-payloads.spec.ts';

/**
 * How the Allure report groups failures: the first line of a failed check names its rule and where it failed. One
 * file serves the results (Allure 2 readers) and the HTML report's configuration (allurerc.mjs).
 */
const categories = JSON.parse(readFileSync(fromRoot('reporters', 'allure-categories.json'), 'utf8')) as unknown[];

// A shard also writes Playwright's blob report, from which `npm run certify:merge` rebuilds the JUnit XML and the
// certification results of the whole run exactly as one machine would have written them.
const sharded = process.argv.some((arg) => arg === '--shard' || arg.startsWith('--shard='));

const reporters: ReporterDescription[] = [
  [inCi ? 'dot' : 'list'],
  ['junit', { outputFile: `${reportsDir}/junit/results.xml` }],
  ['./reporters/certification.ts'],
  ['./reporters/summary-line.ts'],
  ...(sharded && !selfTestOnly ? [['blob', { outputDir: `${reportsDir}/blob-report` }] as ReporterDescription] : []),
  // The Allure results are evidence of a certification; the product's own tests do not write any.
  ...(selfTestOnly
    ? []
    : [
        [
          'allure-playwright',
          { resultsDir: `${reportsDir}/allure-results`, environmentInfo, categories, detail: false },
        ] as ReporterDescription,
      ]),
];

export default defineConfig({
  // A focused test would silently hide the rest of the suite in CI.
  forbidOnly: inCi,
  fullyParallel: true,
  // Against external targets a worker mostly waits for answers: more of them keep more requests in flight across the
  // latency of a real network (`--workers=N` sets another number; the pace still holds across all of them).
  workers: anyExternal ? EXTERNAL_WORKERS : 2,
  // One pacing service for every worker, and one receiver of an external D1's notifications (fixtures/run-setup.ts).
  ...(selfTestOnly ? {} : { globalSetup: './fixtures/run-setup.ts' }),
  // Behind a real network, a test may wait out rate limits and Retry-After; its tries bound it, not the clock.
  timeout: anyExternal ? 300_000 : 30_000,
  reporter: reporters,
  // Each run's own: Playwright empties its output directory as it starts, so two runs sharing one would break each other.
  outputDir: `${reportsDir}/test-results`,
  projects: [
    {
      // The product's own tests: contracts, catalogue, generated code, validation API, mocks.
      name: 'self-test',
      testDir: 'tests',
    },
    // The conformance suites, run by `npm run certify` against the configured targets or the embedded mocks. The
    // subject says whose behaviour a project judges: the bank's endpoints, or the D1 the run uses (reported apart).
    // A test whose target could not answer is started again from its beginning, with fresh ids (fixtures/evidence.ts).
    { name: 'd1', testDir: 'suites/d1', retries: testRestarts, metadata: { subject: 'd1' } },
    { name: 'issuer', testDir: 'suites/issuer', retries: testRestarts, metadata: { subject: 'bank' } },
    { name: 'flows', testDir: 'suites/flows', retries: testRestarts, metadata: { subject: 'd1' } },
    {
      name: 'properties',
      testDir: 'suites/properties',
      testIgnore: NOTIFICATION_PROPERTIES,
      retries: testRestarts,
      metadata: { subject: 'd1' },
    },
    {
      name: 'issuer-properties',
      testDir: 'suites/properties',
      testMatch: NOTIFICATION_PROPERTIES,
      retries: testRestarts,
      metadata: { subject: 'bank' },
    },
  ],
});
