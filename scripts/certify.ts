/**
 * `npm run certify [-- <playwright options>]`: runs every conformance suite against the configured targets, or the
 * embedded mocks when none is configured, and turns the results into a verdict.
 *
 * It writes the compliance summary (reports/compliance-summary.json, checked against its schema, and .md) and prints
 * it. Exit codes: 0 READY (every mandatory API and every applicable conditional API passed its documented rules;
 * inferred rules may warn); 1 NOT READY, or the run broke; 2 the configuration is wrong (one line names the variable).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules } from '../gen/catalogue.js';
import path from 'node:path';
import { ConfigurationError } from '../mocks/faults.js';
import { loadDotEnv, readTargets } from '../lib/targets-config.js';
import { fromRoot } from '../lib/paths.js';
import { SUITE_PROJECTS, type CertificationResults } from '../reporters/certification.js';
import { summarise, summaryMarkdown } from '../reporters/compliance-summary.js';

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
  const d1Target = targets.d1.kind === 'external' ? targets.d1.bankingUrl : 'embedded mock D1';
  const issuerTarget = targets.issuer.kind === 'external' ? targets.issuer.baseUrl : 'embedded reference issuer';
  process.stdout.write(`certify: D1 ${d1Target}, issuer ${issuerTarget}, seed ${targets.seed}\n`);
  const reportsDir = path.resolve(fromRoot(), process.env.CERTIFY_REPORTS_DIR ?? 'reports');
  const resultsFile = path.join(reportsDir, 'certification', 'tests.json');
  rmSync(resultsFile, { force: true });
  // Allure results of an earlier run would mix with this one's.
  rmSync(path.join(reportsDir, 'allure-results'), { recursive: true, force: true });
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
  const summary = summarise({
    tests: results.tests,
    apis,
    rules,
    applicableConditional: targets.applicableConditionalApis,
    seed: targets.seed,
    targets: { d1: d1Target, issuer: issuerTarget },
  });
  const validate = new Ajv({ allErrors: true });
  ajvFormats.default(validate);
  const valid = validate.validate(JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object, summary);
  if (!valid) {
    process.stderr.write(`certify: the compliance summary breaks its schema: ${validate.errorsText()}\n`);
    return 1;
  }
  const markdown = summaryMarkdown(summary);
  writeFileSync(path.join(reportsDir, 'compliance-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(reportsDir, 'compliance-summary.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
  process.stdout.write(`certify: ${summary.verdict}; summary in reports/compliance-summary.json and .md; certification results in ${path.relative(process.cwd(), resultsFile)}\n`);
  process.stdout.write(`certify: replay with SEED=${targets.seed} npm run certify\n`);
  return summary.verdict === 'READY' ? 0 : 1;
}

process.exit(main());
