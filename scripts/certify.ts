/**
 * `npm run certify [-- <playwright options>]`: runs every conformance suite against the configured targets, or the
 * embedded mocks when none is configured, and turns the results into the evidence and a verdict.
 *
 * It writes, under reports/ (or CERTIFY_REPORTS_DIR): allure-results, the Allure HTML report in allure-report, the
 * compliance summary (compliance-summary.json, checked against its schema, and .md) and junit/results.xml, and
 * prints the summary. Exit codes: 0 READY (every mandatory API and every applicable conditional API passed its
 * documented rules; inferred rules may warn); 1 NOT READY, or the run broke; 2 the configuration is wrong.
 *
 * With `--shard=K/N` it runs one shard of the suites and writes only its results; `npm run certify:merge` turns the
 * results of all N shards into the same evidence as one run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../mocks/faults.js';
import { loadDotEnv, readTargets } from '../lib/targets-config.js';
import { fromRoot } from '../lib/paths.js';
import { SUITE_PROJECTS, type CertificationResults } from '../reporters/certification.js';
import { RUN_FILE, TESTS_FILE, clearEarlierEvidence, concludeCertification, type RunDescription } from '../reporters/certification-evidence.js';

/** The `--shard=K/N` (or `--shard K/N`) option passed through to Playwright, when there is one. */
function shardOf(args: readonly string[]): { current: number; total: number } | undefined {
  const index = args.findIndex((a) => a === '--shard' || a.startsWith('--shard='));
  if (index < 0) return undefined;
  const value = args[index]?.includes('=') ? args[index]?.slice('--shard='.length) : args[index + 1];
  const match = /^(\d+)\/(\d+)$/.exec(value ?? '');
  const current = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || current < 1 || total < 1 || current > total) throw new ConfigurationError(`--shard must be K/N with 1 <= K <= N, got "${value ?? ''}"`);
  return { current, total };
}

function main(): number {
  loadDotEnv();
  let targets: ReturnType<typeof readTargets>;
  let shard: ReturnType<typeof shardOf>;
  try {
    targets = readTargets();
    shard = shardOf(process.argv.slice(2));
    if (process.argv.slice(2).some((a) => a === '--trace' || a.startsWith('--trace='))) {
      // Evidence is redacted before it is written; a trace would keep every value the tests compared, as it was.
      throw new ConfigurationError('--trace is refused: Playwright traces record tokens, card numbers and names unredacted; the Allure report carries the redacted exchanges');
    }
    if (shard && !targets.seedWasGiven) {
      throw new ConfigurationError('SEED must be set when sharding, to the same value on every machine, so that all shards run the same cases');
    }
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const run: RunDescription = {
    seed: targets.seed,
    targets: {
      d1: targets.d1.kind === 'external' ? targets.d1.bankingUrl : 'embedded mock D1',
      issuer: targets.issuer.kind === 'external' ? targets.issuer.baseUrl : 'embedded reference issuer',
    },
    applicableConditionalApis: [...targets.applicableConditionalApis].sort(),
    ...(shard ? { shard } : {}),
  };
  process.stdout.write(`certify: D1 ${run.targets.d1}, issuer ${run.targets.issuer}, seed ${run.seed}${shard ? `, shard ${shard.current}/${shard.total}` : ''}\n`);
  const reportsDir = path.resolve(fromRoot(), process.env.CERTIFY_REPORTS_DIR ?? 'reports');
  const shown = path.relative(process.cwd(), reportsDir) || '.';
  clearEarlierEvidence(reportsDir);
  mkdirSync(path.join(reportsDir, 'certification'), { recursive: true });
  writeFileSync(path.join(reportsDir, RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
  const playwright = spawnSync(
    process.execPath,
    [fromRoot('node_modules', '@playwright', 'test', 'cli.js'), 'test', ...SUITE_PROJECTS.map((p) => `--project=${p}`), ...process.argv.slice(2)],
    { cwd: fromRoot(), stdio: 'inherit', env: { ...process.env, SEED: String(targets.seed), CERTIFY_REPORTS_DIR: reportsDir } },
  );
  const resultsFile = path.join(reportsDir, TESTS_FILE);
  if (!existsSync(resultsFile)) {
    process.stderr.write(`certify: the run produced no results (playwright exited with ${playwright.status ?? playwright.signal ?? '?'})\n`);
    return 1;
  }
  if (shard) {
    process.stdout.write(
      `certify: shard ${shard.current}/${shard.total} done; its results are in ${shown}. ` +
        `Once every shard has run, merge their reports directories: npm run certify:merge -- <dir> ...\n`,
    );
    return 0;
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as CertificationResults;
  const code = concludeCertification(reportsDir, results.tests, run, 'certify');
  process.stdout.write(`certify: replay with SEED=${run.seed} npm run certify\n`);
  return code;
}

process.exit(main());
