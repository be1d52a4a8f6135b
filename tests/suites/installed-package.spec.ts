/**
 * Installed, not cloned: the project packed with `npm pack`, installed into an empty project as a bank's CI installs it,
 * and `npx d1-ctp-conformance certify` run there certifies the embedded pair READY, reading that directory's `.env` and
 * writing its reports and Allure history there, and nothing inside the installed package.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { rules } from '../../gen/catalogue.js';
import { fromRoot } from '../../lib/paths.js';
import type { CertificationResults } from '../../reporters/certification.js';
import { allureVerdictEntry, certificationEvidenceIn, environmentWithoutTargets } from './suite-runner.js';

const PACKAGE = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { name: string; version: string };
const COMMAND = 'd1-ctp-conformance';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A few tests of one row the bank hosts, a security rule among them, so that the run is short. */
const RULES = ['CONSUMER-INFO-UNKNOWN-CONSUMER', 'CONSUMER-INFO-AUTH-REJECT'] as const;
const ROW = rules.find((r) => r.id === RULES[0])?.api ?? '';

/** What the tarball may not hold: the product's own tests, its benchmark, documentation and anything a run writes. */
const NOT_SHIPPED = /^(tests|bench|docs|examples|reports|test-results|node_modules|\.ci|\.env)(\/|$)|^scripts\/(bench|generate)/;

/**
 * The environment of a bank's CI step: no target variable, none of the npm variables of the `npm test` running this
 * (npm_config_local_prefix and friends would point the nested npm at this repository), and none of its commands.
 */
function bankEnvironment(): Record<string, string> {
  const env = Object.fromEntries(Object.entries(environmentWithoutTargets()).filter(([key]) => !/^npm_/i.test(key)));
  const ours = fromRoot('node_modules');
  const PATH = (env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !path.resolve(dir).startsWith(ours))
    .join(path.delimiter);
  return { ...env, PATH };
}

const run = (command: string, args: readonly string[], cwd: string, timeout: number): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, env: bankEnvironment(), encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });

/** Every file under a directory with its size and modification time, to find what a run wrote there. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stats = statSync(path.join(dir, name));
    files.set(name, `${stats.isDirectory() ? 'dir' : stats.size} ${stats.mtimeMs}`);
  }
  return files;
}

test('the packed project, installed into an empty directory, certifies the embedded pair READY with the reports there', () => {
  // Slow: a pack, an install from the npm cache (the registry only for what it lacks) and a short certification take
  // 25 s on an idle machine, 45 s beside other tests.
  test.setTimeout(180_000);
  expect(ROW, `${RULES[0]} has a row`).not.toBe('');
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`).toBe(
    true,
  );
  const work = mkdtempSync(path.join(tmpdir(), 'installed-package-'));
  // The installed package and its dependencies weigh 100 MB: removed whatever the outcome, which the outputs explain.
  try {
    const started = Date.now();

    const pack = run('npm', ['pack', '--json', '--pack-destination', work], fromRoot(), 30_000);
    expect(pack.status, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; size: number; entryCount: number; files: { path: string }[] }[];
    if (!packed) throw new Error(`npm pack said nothing: ${pack.stdout}`);
    const shipped = packed.files.map((f) => f.path);
    expect(shipped.filter((file) => NOT_SHIPPED.test(file))).toEqual([]);
    expect(shipped).toEqual(expect.arrayContaining(['bin/d1-ctp-conformance.mjs', 'playwright.config.ts', 'allurerc.mjs', 'package.json']));
    test.info().annotations.push({ type: 'tarball', description: `${packed.filename}: ${packed.size} bytes, ${packed.entryCount} files` });

    // The bank's repository: a project of its own, which installs the tarball and keeps its configuration in .env.
    const bank = path.join(work, 'bank-ci');
    mkdirSync(bank);
    writeFileSync(path.join(bank, 'package.json'), `${JSON.stringify({ name: 'bank-ci', version: '1.0.0', private: true }, null, 2)}\n`);
    // Read from the bank's directory or the run is NOT READY: every other conditional row would count, untested.
    writeFileSync(path.join(bank, '.env'), `CERTIFY_CONDITIONAL_APIS=${ROW}\n`);
    const install = run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier', path.join(work, packed.filename)],
      bank,
      90_000,
    );
    expect(install.status, install.stderr).toBe(0);
    const installed = path.join(bank, 'node_modules', PACKAGE.name);
    expect(existsSync(path.join(installed, 'scripts', 'certify.ts'))).toBe(true);
    const installedSeconds = (Date.now() - started) / 1000;

    const help = run('npx', ['--no', COMMAND, 'help'], bank, 15_000);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain(`${PACKAGE.name} ${PACKAGE.version}`);
    const unknown = run('npx', ['--no', COMMAND, 'certfy'], bank, 15_000);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "certfy"');

    const before = snapshot(installed);
    const certified = Date.now();
    const certify = run(
      'npx',
      ['--no', COMMAND, 'certify', '--skip-d1-environment', '--grep', `@(${RULES.join('|')})(?![A-Z0-9-])`],
      bank,
      90_000,
    );
    expect(certify.status, `${certify.stdout.slice(-2000)}\n${certify.stderr.slice(-2000)}`).toBe(0);
    const certifySeconds = (Date.now() - certified) / 1000;
    expect(certify.stdout).toContain('certify: READY; summary in reports/compliance-summary.json');

    const reports = path.join(bank, 'reports');
    const { summary, schemaErrors, missing } = certificationEvidenceIn(reports);
    expect(schemaErrors).toBe('');
    expect(missing).toEqual([]);
    expect(summary).toMatchObject({
      verdict: 'READY',
      subject: { kind: 'reference-pair' },
      applicableConditionalApis: [ROW],
      versions: { product: PACKAGE.version },
    });
    const tests = (JSON.parse(readFileSync(path.join(reports, 'certification', 'tests.json'), 'utf8')) as CertificationResults).tests;
    expect(new Set(tests.flatMap((t) => t.rules.filter((r) => (RULES as readonly string[]).includes(r))))).toEqual(new Set(RULES));
    // Named as in the clone, whatever directory the package is installed in.
    expect(
      tests.every((t) => t.file.startsWith('suites/issuer/')),
      tests.map((t) => t.file).join(', '),
    ).toBe(true);
    expect(readFileSync(path.join(reports, 'junit', 'results.xml'), 'utf8')).toContain('<testsuite name="go-live verdict"');
    expect(allureVerdictEntry(reports)?.status).toBe('passed');
    expect(existsSync(path.join(reports, 'allure-history.jsonl'))).toBe(true);
    expect(existsSync(path.join(reports, 'test-results')), "Playwright's output in the reports directory").toBe(true);

    // Nothing beside the reports in the bank's directory, and nothing at all inside the installed package.
    expect(readdirSync(bank).sort()).toEqual(['.env', 'node_modules', 'package-lock.json', 'package.json', 'reports']);
    const after = snapshot(installed);
    expect([...after].filter(([file, state]) => before.get(file) !== state).map(([file]) => file)).toEqual([]);

    test.info().annotations.push({
      type: 'duration',
      description: `pack and install ${installedSeconds.toFixed(1)} s, certify ${certifySeconds.toFixed(1)} s`,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
