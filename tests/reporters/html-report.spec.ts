/**
 * `npm run certify` ends with the Allure 3 HTML report, and the report shows what the evidence needs: the overview
 * of the run, the go-live verdict with the compliance summary, and a failing test's redacted exchanges and violations.
 * It is opened in headless Chromium (Debian's `chromium`, which .ci/run installs; CHROMIUM_PATH names another).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, test, expect } from '@playwright/test';
import { runScript } from '../suites/suite-runner.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

test('the HTML report of a certification with a planted bug shows the overview, the verdict and the evidence', async () => {
  test.setTimeout(180_000);
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`).toBe(
    true,
  );
  const reports = mkdtempSync(path.join(tmpdir(), 'html-report-'));
  // A planted bug of the reference issuer: the bank's own endpoint breaks a documented rule.
  const run = runScript('certify', ['--grep', '@NOTIFY-CARD-DUPLICATES(?![A-Z0-9-])', `--output=${path.join(reports, 'output')}`], {
    CERTIFY_REPORTS_DIR: reports,
    MOCK_ISSUER_FAULTS: 'duplicate-card-notification-conflict',
    SEED: '11',
  });
  expect(run.code, run.stderr).toBe(1);
  const summary = JSON.parse(readFileSync(path.join(reports, 'compliance-summary.json'), 'utf8')) as {
    verdict: string;
    totals: { tests: number; failed: number };
  };
  expect(summary.verdict).toBe('NOT READY');

  const { url, server } = await serveDirectory(path.join(reports, 'allure-report'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    // Overview: the report's name carries the verdict, and the counts are the run's (plus the verdict entry).
    await expect(page.getByText('Failed', { exact: false }).first()).toBeVisible();
    await expect(
      page
        .getByRole('button', { name: /Total\s*\d+/ })
        .or(page.getByText(/^Total$/))
        .first(),
    ).toBeVisible();
    const pageText = await page.locator('body').innerText();
    expect(pageText).toContain('D1 Click to Pay');

    // The verdict entry holds the compliance summary's table.
    await page.getByPlaceholder('Search tests').fill('Go-live verdict');
    await page.getByText('Go-live verdict: NOT READY').first().click();
    // The report shows an HTML description in a frame of its own.
    const description = page.frameLocator('iframe').first();
    await expect(description.getByRole('heading', { name: 'Compliance summary: NOT READY' })).toBeVisible();
    await expect(description.getByRole('row', { name: /Notify card operations \(issuer-notify-card\).*FAIL/ })).toBeVisible();
    // The whole table is on screen at 1,280 px: its verdict column is not scrolled off.
    const verdictCell = description.getByRole('row', { name: /issuer-notify-card/ }).getByText('FAIL', { exact: true });
    const box = await verdictCell.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(1280);

    // The failing test: which API and which rule, the redacted exchange and the violations table.
    await page.goto(url);
    await page.getByPlaceholder('Search tests').fill('the same card notification delivered twice');
    await page.getByText('the same card notification delivered twice is acknowledged both times').first().click();
    await expect(page.getByText('Notify card operations').first()).toBeVisible();
    await expect(page.getByText(/NOTIFY-CARD-DUPLICATES at status/).first()).toBeVisible();
    await page.getByText('Attachments', { exact: false }).first().click();
    await page
      .getByText(/^exchange \d+: POST .*cards → 409$/i)
      .first()
      .click();
    await expect(page.getByText(/authorization: Bearer \[redacted\]/).first()).toBeVisible();
    await page
      .getByText(/^violations$/)
      .first()
      .click();
    await expect(page.getByText(/where \(JSON pointer\)/).first()).toBeVisible();

    // The certificate a compliance officer files: its verdict and first failed rule, and its PDF.
    await page.goto(`file://${path.join(reports, 'certificate.html')}`);
    await expect(page.getByTestId('verdict')).toHaveText(/NOT READY/);
    await expect(page.getByTestId('first-failed-rule')).toContainText('NOTIFY-CARD-DUPLICATES');
    expect(readFileSync(path.join(reports, 'certificate.pdf')).subarray(0, 4).toString()).toBe('%PDF');
  } finally {
    await browser.close();
    server.close();
  }
});
