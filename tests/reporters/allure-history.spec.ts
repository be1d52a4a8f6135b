/**
 * Two certifications in a row in one reports directory, as a bank's CI runs them build after build: the first with a
 * planted bug, the second conformant and with another seed. The history file kept in the reports directory survives
 * certify's clearing of earlier evidence, and the second Allure report shows the first run's results: in its data
 * (each test's and each verdict row's history, the trend) and in Chromium (a result's History tab). The runs also
 * write to GITHUB_STEP_SUMMARY: the first appends its summary to a file that has content, the second is pointed at a
 * directory, which it says in one line, keeping its exit code.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { issuerFaults } from '../../mocks/issuer/faults.js';
import { HISTORY_FILE } from '../../reporters/allure-rows.js';
import { runScript } from '../suites/suite-runner.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FAULT = 'duplicate-card-notification-conflict' satisfies keyof typeof issuerFaults;
const PLANTED_RULE = issuerFaults[FAULT].rule;
const ROW_FULL_NAME = 'certification: go-live verdict: issuer-notify-card';
const VERDICT_FULL_NAME = 'certification: go-live verdict';
const PLANTED_TEST = 'the same card notification delivered twice is acknowledged both times';

test.use({ launchOptions: { executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] } });

/** A result of the generated report, as the awesome plugin keeps it in data/test-results/. */
interface ReportResult {
  readonly id: string;
  readonly name: string;
  readonly fullName?: string;
  readonly status: string;
  readonly history?: readonly { readonly status: string; readonly name: string; readonly message?: string }[];
}

function reportResults(reportsDir: string): ReportResult[] {
  const dir = path.join(reportsDir, 'allure-report', 'data', 'test-results');
  return readdirSync(dir).map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as ReportResult);
}

/** Serves a directory on loopback: the report loads its data with fetch, which a file:// page may not. */
async function serveDirectory(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const file = path.join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname));
    if (!file.startsWith(root)) {
      response.writeHead(403).end('outside the report');
      return;
    }
    readFile(file.endsWith(path.sep) ? path.join(file, 'index.html') : file).then(
      (body) => response.writeHead(200).end(body),
      () => response.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Opens a result of the report and its History tab; resolves to the statuses of the past results it lists. */
async function historyShown(page: Page, url: string, result: ReportResult): Promise<string[]> {
  await page.goto(`${url}#${result.id}`);
  await expect(page.getByRole('heading', { name: result.name })).toBeVisible();
  await page.getByTestId('test-result-tab-history').click();
  const items = page.getByTestId('test-result-history-item');
  await expect(items.first()).toBeVisible();
  const statuses: string[] = [];
  for (const item of await items.all()) {
    const icon = await item.locator('[data-testid^="tree-leaf-status-"]').first().getAttribute('data-testid');
    statuses.push(icon?.replace('tree-leaf-status-', '') ?? '?');
  }
  return statuses;
}

test('two certifications in a row: the second report holds the first run in its history, read from its data and seen in Chromium', async ({
  page,
}) => {
  test.setTimeout(240_000);
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`).toBe(
    true,
  );
  const reports = mkdtempSync(path.join(tmpdir(), 'allure-history-'));
  const stepSummary = path.join(mkdtempSync(path.join(tmpdir(), 'step-summary-')), 'step_summary.md');
  writeFileSync(stepSummary, '## Build\n\nthe backend built in 3 s');
  // The bank's suites only: every applicable row is judged, at a third of a full run's cost.
  const certify = (env: Readonly<Record<string, string>>): ReturnType<typeof runScript> =>
    runScript('certify', ['--skip-d1-environment', `--output=${path.join(reports, 'output')}`], { CERTIFY_REPORTS_DIR: reports, ...env });

  const first = certify({ SEED: '5', MOCK_ISSUER_FAULTS: FAULT, GITHUB_STEP_SUMMARY: stepSummary });
  expect(first.code, first.stderr.slice(-2000)).toBe(1);
  const firstMarkdown = readFileSync(path.join(reports, 'compliance-summary.md'), 'utf8');
  expect(firstMarkdown).toContain('# Go-live verdict: NOT READY');
  // Appended after what the earlier step wrote, which stays.
  expect(readFileSync(stepSummary, 'utf8')).toBe(`## Build\n\nthe backend built in 3 s\n\n${firstMarkdown}`);
  expect(readFileSync(path.join(reports, HISTORY_FILE), 'utf8').trim().split('\n')).toHaveLength(1);

  // The next build, conformant; its step summary cannot be written (a directory), which changes nothing but a line.
  const second = certify({ SEED: '6', GITHUB_STEP_SUMMARY: path.dirname(stepSummary) });
  expect(second.code, second.stderr.slice(-2000)).toBe(0);
  const complaints = second.stderr.split('\n').filter((line) => line.includes('GITHUB_STEP_SUMMARY'));
  expect(complaints).toEqual([expect.stringMatching(/^certify: the summary could not be appended to GITHUB_STEP_SUMMARY \(.*\): /)]);
  expect(second.stdout).toContain('certify: READY;');
  const history = readFileSync(path.join(reports, HISTORY_FILE), 'utf8').trim().split('\n');
  expect(history).toHaveLength(2);

  // The report's data: the row, the verdict and the planted rule's test each show the first run's failure.
  const results = reportResults(reports);
  const row = results.find((r) => r.fullName === ROW_FULL_NAME);
  const verdict = results.find((r) => r.fullName === VERDICT_FULL_NAME);
  const planted = results.find((r) => r.name === PLANTED_TEST);
  expect(row).toMatchObject({ status: 'passed', history: [{ status: 'failed', message: `FAIL: ${PLANTED_RULE}` }] });
  expect(verdict).toMatchObject({ name: 'Go-live verdict: READY', history: [{ status: 'failed', name: 'Go-live verdict: NOT READY' }] });
  // The seed changed between the runs and is no part of a test's identity: its history follows it.
  expect(planted).toMatchObject({ status: 'passed', history: [{ status: 'failed' }] });
  // Every test and row carries its past result. (Which getters the reference client polls, observed as results of
  // their own, depends on timing: those are left out.)
  const withoutHistory = results
    .filter((r) => !r.fullName?.startsWith('observe:') && (r.history ?? []).length === 0)
    .map((r) => r.fullName ?? r.name);
  expect(withoutHistory).toEqual([]);
  // The trend: the first report's point, then this one's.
  const charts = JSON.parse(readFileSync(path.join(reports, 'allure-report', 'widgets', 'charts.json'), 'utf8')) as {
    general: Record<string, { type: string; data?: readonly { name: string; statistic: Record<string, number> }[] }>;
  };
  const dynamics = Object.values(charts.general).find((c) => c.type === 'statusDynamics')?.data ?? [];
  expect(dynamics).toHaveLength(2);
  expect(dynamics[0]?.name).toContain('NOT READY');
  expect(dynamics[0]?.statistic.failed).toBeGreaterThanOrEqual(3);
  expect(dynamics[1]?.statistic.failed ?? 0).toBe(0);

  // The same, as a person sees it: the History tab of the row and of the test lists the first run's failure.
  const { url, server } = await serveDirectory(path.join(reports, 'allure-report'));
  try {
    for (const result of [row, planted]) {
      if (!result) throw new Error('a result is missing from the report');
      expect(await historyShown(page, url, result), result.name).toEqual(['failed']);
    }
  } finally {
    server.close();
  }
});
