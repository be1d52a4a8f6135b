/**
 * The certificate a compliance officer files, and the verdict entry of the Allure report: both built from the compliance
 * summary, which keeps to its schema; received values are escaped; the certificate prints to a PDF with Chromium and
 * opens on the verdict and the first failed rule; the verdict's table fits a 1,280 px screen without scrolling sideways.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, test, expect, type Browser } from '@playwright/test';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { apis, rules, type RuleId } from '../../gen/catalogue.js';
import { fromRoot } from '../../lib/paths.js';
import type { CertifiedTest } from '../../reporters/certification.js';
import { passingBankResult, targetNetwork } from './bank-results.js';
import { certificateHtml, contractsHash, productVersion, writeCertificate, type CertificateMeta } from '../../reporters/certificate.js';
import { summarise, type ComplianceSummary } from '../../reporters/compliance-summary.js';
import { verdictHtml } from '../../reporters/verdict-html.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const META: CertificateMeta = { productVersion: '9.9.9', contractsHash: 'abcdef012345' };
const SCRIPT = '<script>window.pwned = true</script>';
/**
 * What the Allure 3 report (3.18) styles in the frame it shows a description in that bears on width: a table is a
 * block of max-content width scrolling sideways, its cells do not wrap, and the page itself hides its overflow.
 */
const ALLURE_FRAME_STYLE =
  'html, body { margin: 0; padding: 0; overflow: hidden; } ' +
  'table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto hidden; } ' +
  'th, td { padding: 6px 13px; white-space: nowrap; border: 1px solid #ccc !important; }';

/** What MEASURE_WIDTHS returns, in CSS pixels. */
interface Widths {
  readonly scroll: number;
  readonly client: number;
  readonly right: number;
  readonly verdictRight: number;
  readonly rightmost: number;
}
// A page script as text: the tests compile without the DOM library.
const MEASURE_WIDTHS =
  `(() => {
  const table = document.querySelector('table');
  const verdict = document.querySelector('th:last-child');
  const rightmost = Math.max(...[...document.body.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right));
  return { scroll: table.scrollWidth, client: table.clientWidth, right: table.getBoundingClientRect().right, ` +
  `verdictRight: verdict.getBoundingClientRect().right, rightmost };
})()`;

const ruleOf = (id: RuleId): (typeof rules)[number] => {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

/** A result for every rule, from the side that judges the bank for it; the given rules fail with what was received. */
function results(failing: Readonly<Partial<Record<RuleId, string>>>): CertifiedTest[] {
  return rules.map((r): CertifiedTest => {
    const received = failing[r.id];
    if (received === undefined) return passingBankResult(r, 3);
    const failure = {
      ruleId: r.id,
      operationId: undefined,
      provenance: r.provenance,
      security: r.security === true,
      pointer: 'status',
      documented: 'as documented',
      received,
    };
    return { ...passingBankResult(r, 3), outcome: 'failed', failure };
  });
}

/** A NOT READY summary: a security finding whose received value holds markup, a documented failure, a warning. */
function notReady(): ComplianceSummary {
  expect(ruleOf('CONSUMER-INFO-AUTH-REJECT')).toMatchObject({ security: true });
  expect(ruleOf('CTP-OPTOUT-CONSUMER-REPEAT')).toMatchObject({ provenance: 'documented' });
  expect(ruleOf('CTP-ENROL-REPEAT')).toMatchObject({ provenance: 'inferred' });
  return summarise({
    tests: results({
      'CONSUMER-INFO-AUTH-REJECT': `status 200 with body ${SCRIPT}`,
      'CTP-OPTOUT-CONSUMER-REPEAT': 'status 409',
      'CTP-ENROL-REPEAT': 'status 500',
    }),
    apis,
    rules,
    applicableConditional: new Set(apis.filter((a) => a.category === 'conditional').map((a) => a.id)),
    seed: 42,
    targets: { d1: 'embedded mock D1', issuer: 'http://127.0.0.1:9' },
    subject: { kind: 'bank', issuerId: 'TESTBANK01', hosted: 'http://127.0.0.1:9', calls: 'observed: 69 calls' },
    now: new Date('2030-01-02T03:04:05Z'),
  });
}

async function launch(): Promise<Browser> {
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`).toBe(
    true,
  );
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

test('the summary with a security finding and a documented failure keeps to its schema, as data and as JSON', () => {
  const summary = notReady();
  expect(summary.verdict).toBe('NOT READY');
  expect(summary.securityFindings.map((f) => f.ruleId)).toEqual(['CONSUMER-INFO-AUTH-REJECT']);
  expect(summary.failures.map((f) => f.ruleId)).toContain('CTP-OPTOUT-CONSUMER-REPEAT');
  const ajv = new Ajv({ allErrors: true });
  ajvFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object);
  expect(validate(summary), ajv.errorsText(validate.errors)).toBe(true);
  expect(validate(JSON.parse(JSON.stringify(summary))), ajv.errorsText(validate.errors)).toBe(true);
  // The schema is closed: a field the type does not have is refused, and so is a missing new one.
  expect(validate({ ...summary, extra: 1 })).toBe(false);
  const { d1Environment: _omitted, ...withoutEnvironment } = summary;
  expect(validate(withoutEnvironment)).toBe(false);
  expect(validate({ ...summary, apis: summary.apis.slice(1) })).toBe(false);
});

test('a READY certificate says so and lists no failed rule', () => {
  const ready = summarise({
    tests: results({}),
    apis,
    rules,
    applicableConditional: new Set(),
    seed: 7,
    targets: { d1: 'embedded mock D1', issuer: 'embedded reference issuer' },
    subject: { kind: 'reference-pair', issuerId: 'TESTBANK01', hosted: 'embedded reference issuer', calls: 'observed: 69 calls' },
  });
  expect(ready.verdict).toBe('READY');
  const html = certificateHtml(ready, META);
  expect(html).toContain('data-testid="verdict">READY<');
  expect(html).not.toContain('first-failed-rule');
  expect(html).toContain('not a bank');
  expect(verdictHtml(ready)).not.toContain('Why NOT READY');
});

test('an inconclusive run says so on the certificate and the verdict entry, with one line on how the network behaved', () => {
  const inconclusive = summarise({
    tests: results({}).map((t) =>
      t.rules[0] === 'NOTIFY-CARD-BAD-REQUEST'
        ? {
            ...t,
            outcome: 'unavailable',
            unavailable: [{ target: 'issuer', method: 'POST', path: '/n', tries: 4, faults: ['503 (Retry-After 1 s)'], why: '4 tries' }],
          }
        : t,
    ),
    apis,
    rules,
    applicableConditional: new Set(),
    seed: 7,
    targets: { d1: 'D1 staging', issuer: 'https://bank.example/d1' },
    subject: { kind: 'bank', issuerId: 'TESTBANK01', hosted: 'at https://bank.example/d1', calls: 'observed: 69 calls' },
    network: [
      targetNetwork('issuer', {
        requests: 40,
        peakRate: 9,
        faults: { unavailable: 7 },
        retries: 3,
        gaveUp: 1,
        notTried: 5,
        answered: 30,
        latencyMs: { p50: 30, p95: 80 },
        waitedMs: 3_000,
        limit: { rate: 10, inFlight: 4, finalRate: undefined },
      }),
    ],
  });
  expect(inconclusive.verdict).toBe('INCONCLUSIVE');
  const html = certificateHtml(inconclusive, META);
  expect(html).toContain('data-testid="verdict">INCONCLUSIVE<');
  expect(html).toContain('<h2>Why INCONCLUSIVE</h2>');
  expect(html).toMatch(
    /data-testid="network">Network: issuer: 40 requests, peak 9\/s \(limit 10\/s\), absorbed 7 unavailable, 3 retries, 1 given up, 5 not tried \(target down\), p50 30 ms/,
  );
  expect(verdictHtml(inconclusive)).toContain('Why INCONCLUSIVE');
  expect(verdictHtml(inconclusive)).toContain('Network: issuer: 40 requests');
});

test('the certificate and the verdict entry escape a received value that holds markup', () => {
  const summary = notReady();
  for (const html of [certificateHtml(summary, META), verdictHtml(summary)]) {
    expect(html).not.toContain(SCRIPT);
    expect(html).toContain('&lt;script&gt;window.pwned = true&lt;/script&gt;');
  }
});

test("the contracts' hash is the Allure environment's 'contracts version', and the product version is package.json's", () => {
  const root = fromRoot('contracts');
  const hash = createHash('sha256');
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort())
    hash.update(file).update(readFileSync(path.join(root, file)));
  expect(contractsHash()).toBe(hash.digest('hex').slice(0, 12));
  expect(contractsHash()).toMatch(/^[0-9a-f]{12}$/);
  expect(productVersion()).toBe((JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version);
});

test(
  'writeCertificate writes the HTML and a one-page PDF; ' + 'the page opens on the verdict and the first failed rule, a security finding',
  async () => {
    test.setTimeout(60_000);
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`).toBe(
      true,
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'certificate-'));
    const written = await writeCertificate(dir, notReady(), META);
    expect(written.problem).toBeUndefined();
    expect(written.htmlFile).toBe(path.join(dir, 'certificate.html'));
    expect(written.pdfFile).toBe(path.join(dir, 'certificate.pdf'));
    const pdf = readFileSync(path.join(dir, 'certificate.pdf'));
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    // A typical summary fits one A4 page.
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)).toHaveLength(1);

    const browser = await launch();
    try {
      const page = await browser.newPage();
      // Nothing on the certificate may reach the network: it is filed and opened offline.
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(written.htmlFile).href);
      await expect(page.getByTestId('verdict')).toHaveText('NOT READY');
      await expect(page.getByTestId('first-failed-rule')).toHaveText('CONSUMER-INFO-AUTH-REJECT');
      const body = await page.locator('body').innerText();
      expect(body).toContain('the bank TESTBANK01');
      expect(body).toContain('sha256 abcdef012345');
      expect(body).toContain('9.9.9');
      expect(body).toContain('2030-01-02 03:04:05 UTC');
      expect(body).toMatch(/SECURITY\s+CONSUMER-INFO-AUTH-REJECT/);
      // The security finding comes before the documented failure, and the received markup is text, not a script.
      expect(await page.locator('.finding .rule').allInnerTexts()).toEqual(['CONSUMER-INFO-AUTH-REJECT', 'CTP-OPTOUT-CONSUMER-REPEAT']);
      expect(body).toContain(SCRIPT);
      expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
      expect(body).toMatch(/D1 environment: NOT RUN/);
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  },
);

test('writeCertificate still writes the HTML and says why in one line when Chromium is missing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'certificate-'));
  const before = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = path.join(dir, 'no-chromium');
  try {
    const written = await writeCertificate(dir, notReady(), META);
    expect(written.pdfFile).toBeUndefined();
    expect(written.problem).toMatch(/^no Chromium at .*no-chromium[^\n]*$/);
    expect(existsSync(path.join(dir, 'certificate.html'))).toBe(true);
    expect(existsSync(path.join(dir, 'certificate.pdf'))).toBe(false);
  } finally {
    if (before === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = before;
  }
});

test('the verdict entry fits 1,280 px without scrolling sideways, even with long names, ids and received values', async () => {
  const base = notReady();
  const long = (text: string): string => `${text} with a name long enough to wrap several times in a narrow column of the report`;
  const summary: ComplianceSummary = {
    ...base,
    apis: base.apis.map((r) => ({
      ...r,
      name: long(r.name),
      id: `${r.id}-${'x'.repeat(60)}`,
      failedRules: r.failedRules.map((id) => `${id}${'-Y'.repeat(30)}`),
    })),
    failures: base.failures.map((f) => ({ ...f, received: `${'{"unbroken":"'.repeat(20)}${'z'.repeat(300)}` })),
  };
  const html = verdictHtml(summary);
  // Security findings come first, then the table, then the other failed rules, the warnings and the D1 environment.
  const order = ['Security findings', '<table', 'Failed documented rules', 'Warnings', 'D1 environment'].map((s) => html.indexOf(s));
  expect(order.every((at) => at >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  // The table has four columns, whatever the width.
  expect(html.match(/<th /g)).toHaveLength(4);

  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);

    // The report's description frame: 872 px wide at a 1,280 px viewport, narrower beside the tree. Its styles scroll
    // a table sideways unless the table says otherwise, and hide the page's own overflow, so the table is measured.
    for (const width of [872, 520]) {
      await page.setViewportSize({ width, height: 800 });
      await page.setContent(
        `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${ALLURE_FRAME_STYLE}</style></head><body>${html}</body></html>`,
      );
      const table = await page.evaluate<Widths>(MEASURE_WIDTHS);
      expect(table.rightmost, `everything at ${width} px`).toBeLessThanOrEqual(width);
      expect(table.scroll, `table at ${width} px`).toBeLessThanOrEqual(table.client);
      expect(table.right, `table at ${width} px`).toBeLessThanOrEqual(width);
      // The verdict column is on screen.
      expect(table.verdictRight, `verdict column at ${width} px`).toBeLessThanOrEqual(width);
    }
  } finally {
    await browser.close();
  }
});
