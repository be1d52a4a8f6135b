import {
  networkLine,
  subjectLine,
  type ApiSummaryRow,
  type ComplianceSummary,
  type D1Environment,
  type Finding,
  type RowVerdict,
} from './compliance-summary.js';

/** Escapes text for an element's content or a quoted attribute: received values come from the bank and may hold markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

// Inline styles only: the Allure report sanitises the description and a <style> block does not reach the frame. The
// frame's own styles make a table a block of max-content width and its cells nowrap, which scrolls a wide table
// sideways; the table and its cells say otherwise. No background is set on text the report's theme colours (light or
// dark); badges set both colours.
const WRAP = 'overflow-wrap:anywhere;word-break:break-word';
const CODE = `font-family:monospace;font-size:12px;white-space:pre-wrap;${WRAP}`;
const CELL = `padding:3px 6px;white-space:normal;border-bottom:1px solid rgba(128,128,128,.35);vertical-align:top;text-align:left;${WRAP}`;
const SMALL = 'font-size:11px;opacity:.8';

const BADGE_COLOURS: Readonly<Record<RowVerdict | D1Environment['status'] | ComplianceSummary['verdict'], string>> = {
  READY: '#1a7f37',
  'NOT READY': '#c62828',
  INCONCLUSIVE: '#9a6700',
  PASS: '#1a7f37',
  'PASS WITH WARNINGS': '#9a6700',
  FAIL: '#c62828',
  'NOT TESTED': '#6e7781',
  'NOT RUN': '#6e7781',
};

function badge(verdict: keyof typeof BADGE_COLOURS, size = 11): string {
  return (
    `<span style="display:inline-block;padding:1px 5px;border-radius:3px;color:#fff;background:${BADGE_COLOURS[verdict]};` +
    `font-weight:bold;font-size:${size}px;${WRAP}">${escapeHtml(verdict)}</span>`
  );
}

/** A count and its noun, singular for one. */
export const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

function applicability(row: ApiSummaryRow): string {
  if (row.category === 'conditional') return row.applicable ? 'conditional, declared applicable' : 'conditional, not declared applicable';
  return row.category;
}

function evidenceText(row: ApiSummaryRow): string {
  if (row.evidence === 'none') return 'none';
  return `${row.evidence}: ${counted(row.evidenceCount, row.evidence === 'suite' ? 'test' : 'call')}`;
}

/** One row in four columns, so that the table fits the report's narrow frame; the counts share one cell. */
function rowHtml(row: ApiSummaryRow): string {
  const cells = [
    `<strong>${escapeHtml(row.name)}</strong> (${escapeHtml(row.id)})<div style="${SMALL}">${escapeHtml(applicability(row))}</div>`,
    row.hostedBy === 'bank' ? 'bank hosts' : 'bank calls',
    `${escapeHtml(evidenceText(row))}<div style="${SMALL}">${row.passed} / ${row.failed} / ${row.warnings}</div>`,
    badge(row.verdict),
  ];
  return `<tr>${cells.map((c) => `<td style="${CELL}">${c}</td>`).join('')}</tr>`;
}

function findingHtml(finding: Finding): string {
  const api = finding.apiName ? ` (${escapeHtml(finding.apiName)})` : '';
  const security = finding.security ? '<strong style="color:#c62828">SECURITY</strong> ' : '';
  return [
    `<li style="margin-bottom:6px;${WRAP}">${security}<strong>${escapeHtml(finding.ruleId)}</strong>${api} ` +
      `at <code style="${CODE}">${escapeHtml(finding.where)}</code>`,
    `<div>documented: <span style="${CODE}">${escapeHtml(finding.documented)}</span></div>`,
    ...(finding.contradicts ? [`<div>a documentation quirk: the documents depart here from ${escapeHtml(finding.contradicts)}</div>`] : []),
    `<div>received: <span style="${CODE}">${escapeHtml(finding.received)}</span></div>`,
    `<div style="${SMALL}">found by ${escapeHtml(finding.test)}</div></li>`,
  ].join('');
}

const list = (items: readonly string[]): string => `<ul style="margin:4px 0 10px;padding-left:20px">${items.join('')}</ul>`;
const heading = (text: string): string => `<h4 style="margin:14px 0 4px">${text}</h4>`;

function environmentHtml(env: D1Environment): string {
  const groups = env.groups.map((g) => {
    const failed = g.failedRules.length > 0 ? `; failed: ${escapeHtml(g.failedRules.join(', '))}` : '';
    return (
      `<li style="${WRAP}">${escapeHtml(g.name)}: ${badge(g.status)} ` +
      `${g.passed} passed, ${g.failed} failed, ${g.warnings} warnings${failed}` +
      `<div style="${SMALL}">${escapeHtml(g.meaning)}</div></li>`
    );
  });
  return [
    `<div style="margin-top:16px;padding:6px 10px;border:1px dashed rgba(128,128,128,.6);border-radius:4px">`,
    heading(`D1 environment: ${badge(env.status)}`),
    `<p style="margin:2px 0;${SMALL}">Reported apart, never part of the verdict: ` +
      `whether the D1 the run used (${escapeHtml(env.d1)}) behaves as documented and the tenant is set up.</p>`,
    list(groups),
    '</div>',
  ].join('');
}

/**
 * The go-live verdict as the Allure report's description of its verdict entry: the verdict and whom it certifies,
 * why, the security findings first, the rows, the failed rules with documented and received, the warnings, and the
 * D1 environment apart. The table has four columns and a fixed layout so that it fits the report's frame at 1,280 px.
 */
export function verdictHtml(summary: ComplianceSummary): string {
  const otherFailures = summary.failures.filter((f) => !f.security);
  const head = ['API', 'side', 'evidence<div style="font-weight:normal;font-size:11px">rules passed / failed / warned</div>', 'verdict'];
  const widths = ['44%', '16%', '24%', '16%'];
  const t = summary.totals;
  return [
    `<div style="max-width:100%;font-size:13px;line-height:1.4;${WRAP}">`,
    `<h3 style="margin:0 0 6px">Compliance summary: ${escapeHtml(summary.verdict)}</h3>`,
    `<p style="margin:0 0 4px">Go-live verdict: ${badge(summary.verdict, 13)}</p>`,
    `<p style="margin:0 0 4px">Certified: ${escapeHtml(subjectLine(summary.subject))}.</p>`,
    `<p style="margin:0 0 8px;${SMALL}">D1: ${escapeHtml(summary.targets.d1)}; issuer: ${escapeHtml(summary.targets.issuer)}; ` +
      `seed ${summary.seed}; ${escapeHtml(summary.generatedAt)}</p>`,
    ...(summary.reasons.length > 0
      ? [heading(`Why ${summary.verdict}`), list(summary.reasons.map((r) => `<li style="${WRAP}">${escapeHtml(r)}</li>`))]
      : []),
    ...(summary.securityFindings.length > 0
      ? [heading('Security findings (each fails the go-live)'), list(summary.securityFindings.map(findingHtml))]
      : []),
    `<table style="display:table;table-layout:fixed;width:100%;max-width:100%;border-collapse:collapse;margin:8px 0;${WRAP}">`,
    `<colgroup>${widths.map((w) => `<col style="width:${w}">`).join('')}</colgroup>`,
    `<thead><tr>${head.map((h) => `<th style="${CELL};font-weight:bold">${h}</th>`).join('')}</tr></thead>`,
    `<tbody>${summary.apis.map(rowHtml).join('')}</tbody></table>`,
    `<p style="margin:4px 0">Results judging the bank: ${t.passed} passed, ${t.failed} failed on documented or security rules, ` +
      `${t.warnings} warnings (inferred rules, recommendations, documentation quirks), ${t.skipped} skipped` +
      `${t.unavailable > 0 ? `, ${t.unavailable} not run (target unavailable)` : ''}.</p>`,
    ...(summary.network ? [`<p style="margin:4px 0;${SMALL}">Network: ${escapeHtml(networkLine(summary.network))}.</p>`] : []),
    ...(otherFailures.length > 0
      ? [
          heading(
            summary.securityFindings.length > 0
              ? 'Failed documented rules (besides the security findings above)'
              : 'Failed documented rules',
          ),
          list(otherFailures.map(findingHtml)),
        ]
      : []),
    ...(summary.warnings.length > 0
      ? [
          heading('Warnings (inferred rules, recommendations and documentation quirks; they do not fail the go-live)'),
          list(summary.warnings.map(findingHtml)),
        ]
      : []),
    environmentHtml(summary.d1Environment),
    '</div>',
  ].join('\n');
}
