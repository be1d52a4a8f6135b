/**
 * `npm run certify [-- <playwright options>]`: runs every conformance suite against the configured targets, or the
 * embedded mocks when none is configured, and turns the results into a verdict.
 *
 * Exit codes: 0 no documented rule failed (inferred ones may warn); 1 a documented rule failed, or the run broke;
 * 2 the configuration is wrong (one line names the variable).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../mocks/faults.js';
import { loadDotEnv, readTargets } from '../lib/targets-config.js';
import { fromRoot } from '../lib/paths.js';
import { SUITE_PROJECTS, type CertificationResults } from '../reporters/certification.js';

function main(): number {
  loadDotEnv();
  let targets: ReturnType<typeof readTargets>;
  try {
    targets = readTargets();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const describe = (kind: string, where: string | undefined): string => (kind === 'embedded' ? 'embedded mock' : (where ?? 'external'));
  process.stdout.write(
    `certify: D1 ${describe(targets.d1.kind, targets.d1.kind === 'external' ? targets.d1.bankingUrl : undefined)}, ` +
      `issuer ${describe(targets.issuer.kind, targets.issuer.kind === 'external' ? targets.issuer.baseUrl : undefined)}, seed ${targets.seed}\n`,
  );
  const resultsFile = fromRoot('reports', 'certification', 'tests.json');
  rmSync(resultsFile, { force: true });
  const run = spawnSync(
    process.execPath,
    [fromRoot('node_modules', '@playwright', 'test', 'cli.js'), 'test', ...SUITE_PROJECTS.map((p) => `--project=${p}`), ...process.argv.slice(2)],
    { cwd: fromRoot(), stdio: 'inherit', env: { ...process.env, SEED: String(targets.seed) } },
  );
  if (!existsSync(resultsFile)) {
    process.stderr.write(`certify: the run produced no results (playwright exited with ${run.status ?? run.signal ?? '?'})\n`);
    return 1;
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as CertificationResults;
  const verdict = results.documentedFailures === 0 ? 'no documented rule failed' : `${results.documentedFailures} test(s) of documented rules failed`;
  process.stdout.write(`certify: ${verdict}; ${results.inferredWarnings} warning(s) on inferred rules; results in ${path.relative(process.cwd(), resultsFile)}\n`);
  process.stdout.write(`certify: replay with SEED=${targets.seed} npm run certify\n`);
  return results.documentedFailures === 0 ? 0 : 1;
}

process.exit(main());
