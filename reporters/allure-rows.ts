/**
 * The applicable rows of the go-live verdict as entries of the Allure report, beside the verdict entry, and the history
 * file the report keeps: with it, each row, like each test, shows its past results and the report the trend of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiSummaryRow, ComplianceSummary } from './compliance-summary.js';
import { escapeHtml } from './verdict-html.js';
import { rowEvidenceLine, rowFailuresText, rowMessage, rowWarningsText, unstableOf, unstableText } from './verdict-text.js';

/** The history file's name in the reports directory, where certify's clearing of earlier evidence leaves it. */
export const HISTORY_FILE = 'allure-history.jsonl';
/** The feature the rows' entries share in the report's tree (epic Certification, beside the compliance summary). */
export const ROWS_FEATURE = 'Go-live verdict by API';

/**
 * The Allure history file of a reports directory: `CERTIFY_HISTORY_FILE` (relative to the working directory, as
 * CERTIFY_REPORTS_DIR is), else `allure-history.jsonl` in the reports directory.
 */
export function historyFileOf(reportsDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.CERTIFY_HISTORY_FILE?.trim();
  return given ? path.resolve(given) : path.join(reportsDir, HISTORY_FILE);
}

/**
 * A row's identity across runs. Allure 3 follows a result's history by its testCaseId and its parameters (the rows
 * have none); historyId is what Allure 2 readers follow.
 */
export const rowHistoryId = (row: Pick<ApiSummaryRow, 'id'>): string => `go-live-row:${row.id}`;

const STATUS = { PASS: 'passed', 'PASS WITH WARNINGS': 'passed', FAIL: 'failed', 'NOT TESTED': 'skipped' } as const;
const SEVERITY = { mandatory: 'critical', conditional: 'normal', optional: 'minor' } as const;

/** An Allure result, as the results directory holds it (the fields the rows use). */
export interface RowResult {
  readonly uuid: string;
  readonly historyId: string;
  readonly testCaseId: string;
  readonly name: string;
  readonly fullName: string;
  readonly status: (typeof STATUS)[keyof typeof STATUS];
  /** `flaky`: a rule of the row flipped between the runs of a repeated certification, which Allure marks as it marks a flaky test. */
  readonly statusDetails: { readonly message?: string; readonly trace?: string; readonly flaky?: true };
  readonly stage: 'finished';
  readonly start: number;
  readonly stop: number;
  readonly descriptionHtml: string;
  readonly labels: readonly { readonly name: string; readonly value: string }[];
  readonly parameters: readonly never[];
  readonly links: readonly never[];
  readonly steps: readonly never[];
  readonly attachments: readonly never[];
}

/**
 * One result per applicable row: failed when FAIL (its failed rules, documented against received, as the trace),
 * skipped when NOT TESTED, passed otherwise (a row with warnings names its warned rules in its message and its
 * description). Its name, ids and fullName carry no verdict nor seed, so that they stay the same from run to run.
 */
export function rowResults(summary: ComplianceSummary): RowResult[] {
  const at = Date.parse(summary.generatedAt);
  return summary.apis
    .filter((row) => row.applicable)
    .map((row): RowResult => {
      const unstable = [...unstableOf(summary).values()].filter((u) => u.api === row.id);
      const details = [
        row.verdict === 'FAIL' ? rowFailuresText(summary, row) : row.verdict === 'PASS WITH WARNINGS' ? rowWarningsText(summary, row) : '',
        ...unstable.map((u) => unstableText(u, summary.repetitions ?? 0)),
      ]
        .filter(Boolean)
        .join('\n\n');
      return {
        uuid: randomUUID(),
        historyId: rowHistoryId(row),
        testCaseId: rowHistoryId(row),
        name: `${row.name} (${row.id})`,
        fullName: `certification: go-live verdict: ${row.id}`,
        status: STATUS[row.verdict],
        statusDetails: {
          message: rowMessage(row),
          ...(details ? { trace: details } : {}),
          ...(unstable.length > 0 ? { flaky: true } : {}),
        },
        stage: 'finished',
        start: at,
        stop: at,
        // The report shows no message for a passed result: the description carries the warned rules too.
        descriptionHtml:
          `<p><strong>${escapeHtml(rowMessage(row))}</strong></p><p>${escapeHtml(rowEvidenceLine(row))}</p>` +
          (details ? `<pre style="white-space:pre-wrap;overflow-wrap:anywhere">${escapeHtml(details)}</pre>` : ''),
        labels: [
          { name: 'epic', value: 'Certification' },
          { name: 'feature', value: ROWS_FEATURE },
          { name: 'severity', value: SEVERITY[row.category] },
          { name: 'tag', value: row.category },
          { name: 'tag', value: row.hostedBy === 'bank' ? 'bank hosts' : 'bank calls' },
        ],
        parameters: [],
        links: [],
        steps: [],
        attachments: [],
      };
    });
}

/** Writes the rows' results into the Allure results directory, before the HTML report is generated from it. */
export function writeRowResults(resultsDir: string, summary: ComplianceSummary): void {
  mkdirSync(resultsDir, { recursive: true });
  for (const result of rowResults(summary))
    writeFileSync(path.join(resultsDir, `${result.uuid}-result.json`), `${JSON.stringify(result)}\n`);
}
