import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { fromRoot } from '../lib/paths.js';
import { subjectLine, type ApiSummaryRow, type ComplianceSummary, type Finding } from './compliance-summary.js';
import { networkLine } from './compliance-summary.js';
import { baselineLabel, comparisonLine } from './comparison.js';
import { counted, escapeHtml } from './verdict-html.js';

/** What produced the certificate, so that a filed copy can be traced to the product and contracts that judged. */
export interface CertificateMeta {
  readonly productVersion: string;
  readonly contractsHash: string;
}

export interface WrittenCertificate {
  readonly htmlFile: string;
  /** Undefined when Chromium could not print it; `problem` then says why. */
  readonly pdfFile: string | undefined;
  readonly problem: string | undefined;
}

/**
 * The contracts' version: sha256 over every .yaml file under contracts/, sorted by path, each file's path then its
 * content, first 12 hex digits. It must stay the same computation as the Allure environment's 'contracts version' (playwright.config.ts).
 */
export function contractsHash(): string {
  const root = fromRoot('contracts');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(readFileSync(path.join(root, file)));
  return hash.digest('hex').slice(0, 12);
}

/** The product's version, from package.json. */
export function productVersion(): string {
  const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

// A received body can be long; the certificate keeps one page and says where the whole of it is.
const CLIP = 240;
const clip = (text: string): string =>
  text.length <= CLIP ? escapeHtml(text) : `${escapeHtml(text.slice(0, CLIP))}… <i>(in full in compliance-summary.json)</i>`;

const when = (iso: string): string => iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');

const BODY_FONT = '8.5pt/1.3 "DejaVu Sans", Arial, Helvetica, sans-serif';
const STYLE = `
@page { size: A4; margin: 11mm 12mm; }
* { box-sizing: border-box; }
html { color-scheme: light; }
body { margin: 0; font: ${BODY_FONT}; color: #111; background: #fff; overflow-wrap: anywhere; word-break: break-word; }
h1 { font-size: 14pt; margin: 0; }
h2 { font-size: 9.5pt; margin: 8px 0 3px; border-bottom: 1px solid #999; padding-bottom: 1px; }
.top { display: flex; justify-content: space-between; align-items: center; gap: 12px; }
.verdict { font-size: 20pt; font-weight: bold; padding: 4px 14px; border: 3px solid; border-radius: 6px; white-space: nowrap; }
.READY { color: #1a7f37; border-color: #1a7f37; }
.NOT-READY { color: #c62828; border-color: #c62828; }
.INCONCLUSIVE { color: #9a6700; border-color: #9a6700; }
dl { display: grid; grid-template-columns: 27mm 1fr 27mm 1fr; gap: 0 6px; margin: 6px 0 0; }
dl .wide { grid-column: 2 / 5; }
dt { font-weight: bold; } dd { margin: 0; }
ul { margin: 2px 0; padding-left: 14px; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 0.5px 3px; border-bottom: 0.5pt solid #bbb; font-size: 7pt; line-height: 1.25; }
th { border-bottom: 1pt solid #333; }
tr { break-inside: avoid; }
.v-PASS { color: #1a7f37; } .v-FAIL { color: #c62828; font-weight: bold; }
.v-PASS-WITH-WARNINGS { color: #9a6700; } .v-NOT-TESTED, .v-NOT-RUN { color: #555; }
.na { color: #777; }
.finding { margin: 2px 0 4px; break-inside: avoid; }
.rule { font-weight: bold; font-family: "DejaVu Sans Mono", monospace; }
.security { color: #fff; background: #c62828; padding: 0 3px; border-radius: 2px; font-weight: bold; font-size: 7pt; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; white-space: pre-wrap; }
.apart { border: 1px dashed #888; padding: 2px 6px 4px; margin-top: 8px; }
.apart h2 { border: 0; margin-top: 2px; }
.small { font-size: 7pt; color: #444; }
.compared { margin-top: 3px; }
td .small { font-size: 6pt; color: #666; }
.groups { margin: 2px 0 0; }
footer { margin-top: 8px; font-size: 7pt; color: #444; }
`;

const cls = (text: string): string => text.replace(/ /g, '-');

function rowHtml(row: ApiSummaryRow): string {
  const applies = row.category === 'conditional' ? (row.applicable ? 'conditional, applies' : 'conditional, does not apply') : row.category;
  const evidence =
    row.evidence === 'none'
      ? 'none'
      : row.evidence === 'suite'
        ? `suite: ${counted(row.evidenceCount, 'test')}`
        : `observed: ${counted(row.evidenceCount, 'call')}`;
  return (
    `<tr${row.applicable ? '' : ' class="na"'}><td>${escapeHtml(row.name)} <span class="small">(${escapeHtml(row.id)})</span></td>` +
    `<td>${escapeHtml(applies)}</td>` +
    `<td>${row.hostedBy === 'bank' ? 'bank hosts' : 'bank calls'}</td><td>${escapeHtml(evidence)}</td>` +
    `<td>${row.passed} / ${row.failed} / ${row.warnings}</td>` +
    `<td class="v-${cls(row.verdict)}">${escapeHtml(row.verdict)}</td></tr>`
  );
}

function findingHtml(finding: Finding, first: boolean): string {
  const testId = first ? ' data-testid="first-failed-rule"' : '';
  const mark = finding.security ? '<span class="security">SECURITY</span> ' : '';
  const api = finding.apiName ? ` (${escapeHtml(finding.apiName)})` : '';
  return (
    `<div class="finding">${mark}<span class="rule"${testId}>${escapeHtml(finding.ruleId)}</span>${api}, ` +
    `${escapeHtml(finding.provenance)}, at <code>${escapeHtml(finding.where)}</code>` +
    `<br>documented: <code>${clip(finding.documented)}</code><br>received: <code>${clip(finding.received)}</code></div>`
  );
}

/**
 * The certificate of a certification run, one A4 page a compliance officer can file: whom it certifies and with what,
 * the verdict and why, every row with its evidence, each failed rule (security findings first) with documented and
 * received, the warnings, and the D1 environment apart. Self-contained: inline CSS, no network resource.
 */
export function certificateHtml(summary: ComplianceSummary, meta: CertificateMeta): string {
  const failed = [...summary.securityFindings, ...summary.failures.filter((f) => !f.security)];
  const env = summary.d1Environment;
  const conditional = summary.applicableConditionalApis.length > 0 ? summary.applicableConditionalApis.join(', ') : 'none';
  // Short facts two to a line, long ones across the page: the certificate keeps to one page.
  const facts: readonly (readonly [string, string, 'wide'?])[] = [
    ['Certified', `${subjectLine(summary.subject)}.`, 'wide'],
    ['Conditional APIs declared applicable', conditional, 'wide'],
    ['Issuer ID', summary.subject.issuerId],
    ['Date', when(summary.generatedAt)],
    ["Bank's endpoints", summary.targets.issuer],
    ['D1', summary.targets.d1],
    ['Contracts', `sha256 ${meta.contractsHash}`],
    ['Product', `d1-click-to-pay-conformance ${meta.productVersion}`],
    ['Seed', String(summary.seed)],
  ];
  const t = summary.totals;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>Go-live certificate: ${escapeHtml(summary.verdict)} (${escapeHtml(summary.subject.issuerId)})</title>`,
    `<style>${STYLE}</style></head><body>`,
    '<div class="top"><div><h1>D1 Click to Pay go-live certificate</h1>',
    '<div class="small">Conformance of an issuer integration with Thales D1 Click to Pay</div></div>',
    `<div class="verdict ${cls(summary.verdict)}" data-testid="verdict">${escapeHtml(summary.verdict)}</div></div>`,
    `<dl>${facts.map(([k, v, wide]) => `<dt>${escapeHtml(k)}</dt><dd${wide ? ' class="wide"' : ''}>${escapeHtml(v)}</dd>`).join('')}</dl>`,
    // One line for a comparison with a previous certification; the summary says the rest.
    ...(summary.comparison
      ? [
          `<div class="compared" data-testid="comparison"><b>Compared with</b> ${escapeHtml(baselineLabel(summary.comparison))}: ` +
            `${escapeHtml(comparisonLine(summary.comparison))}</div>`,
        ]
      : []),
    summary.reasons.length > 0
      ? `<h2>Why ${escapeHtml(summary.verdict)}</h2><ul>${summary.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
      : '<h2>Why READY</h2><p style="margin:2px 0">No security finding; every mandatory API, ' +
        'and every conditional API declared applicable, passed its documented rules.</p>',
    '<h2>APIs of the D1 API summary</h2>',
    '<table><colgroup><col style="width:38%"><col style="width:14%"><col style="width:9%">' +
      '<col style="width:14%"><col style="width:11%"><col style="width:14%"></colgroup>',
    '<thead><tr><th>API</th><th>category</th><th>side</th><th>evidence</th><th>rules pass / fail / warn</th><th>verdict</th></tr></thead>',
    `<tbody>${summary.apis.map(rowHtml).join('')}</tbody></table>`,
    `<div class="small">Results judging the bank: ${t.passed} passed, ${t.failed} failed on documented or security rules, ` +
      `${t.warnings} warnings (inferred rules, recommendations, documentation quirks), ${t.skipped} skipped` +
      `${t.unavailable > 0 ? `, ${t.unavailable} not run (target unavailable)` : ''}. ` +
      'Greyed rows do not count for the verdict.</div>',
    ...(summary.network ? [`<div class="small" data-testid="network">Network: ${escapeHtml(networkLine(summary.network))}</div>`] : []),
    ...(failed.length > 0
      ? ['<h2>Failed rules (security findings first; each fails the go-live)</h2>', ...failed.map((f, i) => findingHtml(f, i === 0))]
      : []),
    ...(summary.warnings.length > 0
      ? [
          '<h2>Warnings (inferred rules, recommendations and documentation quirks; they do not fail the go-live)</h2>' +
            `<div>${summary.warnings.map((w) => `<span class="rule">${escapeHtml(w.ruleId)}</span>`).join(', ')}</div>`,
        ]
      : []),
    '<div class="apart">',
    `<h2>D1 environment: <span class="v-${cls(env.status)}">${escapeHtml(env.status)}</span></h2>`,
    '<div class="small">Reported apart, never part of the verdict: ' +
      `whether the D1 the run used (${escapeHtml(env.d1)}) behaves as documented and the tenant is set up.</div>`,
    `<div class="groups">${env.groups
      .map(
        (g) =>
          `${escapeHtml(g.name)}: <span class="v-${cls(g.status)}">${escapeHtml(g.status)}</span>` +
          (g.failedRules.length > 0 ? ` (failed: ${escapeHtml(g.failedRules.join(', '))})` : ''),
      )
      .join('; ')}.</div>`,
    '</div>',
    '<footer>The full evidence (compliance-summary.json and .md, the Allure report) accompanies this certificate; ' +
      'the seed replays the run.</footer>',
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Writes certificate.html into the reports directory and prints certificate.pdf from it with Chromium. Without a
 * working Chromium the HTML is still written, and `problem` says in one line why there is no PDF.
 */
export async function writeCertificate(reportsDir: string, summary: ComplianceSummary, meta: CertificateMeta): Promise<WrittenCertificate> {
  mkdirSync(reportsDir, { recursive: true });
  const htmlFile = path.join(reportsDir, 'certificate.html');
  const pdfFile = path.join(reportsDir, 'certificate.pdf');
  const html = certificateHtml(summary, meta);
  writeFileSync(htmlFile, html);
  // A PDF left by an earlier run would contradict this run's HTML if printing now fails.
  rmSync(pdfFile, { force: true });
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    return { htmlFile, pdfFile: undefined, problem: `no Chromium at ${executablePath} (install Debian's chromium or set CHROMIUM_PATH)` };
  try {
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.setContent(html);
      writeFileSync(pdfFile, await page.pdf({ format: 'A4', printBackground: true }));
    } finally {
      await browser.close();
    }
    return { htmlFile, pdfFile, problem: undefined };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      htmlFile,
      pdfFile: undefined,
      problem:
        message
          .split('\n')
          .find((line) => line.trim() !== '')
          ?.trim() ?? 'Chromium failed',
    };
  }
}
