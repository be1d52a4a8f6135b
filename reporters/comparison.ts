/**
 * What changed between two certifications, as data: rule by rule (newly failed, fixed, still failing, newly warned,
 * warnings gone), row by row (verdict, evidence), security findings new and gone, and the product's and contracts'
 * versions of both runs. Pure: `certify --compare`, `certify:compare` and the tests share it.
 */
import type { ApiSummaryRow, ComplianceSummary, Evidence, Finding, RowVerdict, RunVersions, Verdict } from './compliance-summary.js';

/**
 * A compliance summary as a comparison reads it. One written before summaries carried their versions and the ids of
 * their catalogue's rules is comparable too: those are then unknown.
 */
export type ComparableSummary = Pick<
  ComplianceSummary,
  'verdict' | 'generatedAt' | 'seed' | 'subject' | 'apis' | 'securityFindings' | 'failures' | 'warnings' | 'versions' | 'catalogueRules'
>;

/** One of the two runs compared. */
export interface ComparedRun {
  /** Where its summary was read from, as given; absent for the run that made the comparison. */
  readonly source?: string;
  readonly generatedAt: string;
  readonly verdict: Verdict;
  readonly seed: number;
  readonly issuerId: string;
  /** Absent when unknown: a summary written before summaries carried their versions. */
  readonly versions?: RunVersions;
  /** Whether its summary lists its catalogue's rules (a summary written before summaries carried them does not). */
  readonly catalogueKnown: boolean;
}

/** A rule whose standing changed between the runs (or did not, for the rules still failing). */
export interface RuleChange {
  /** The rule, or `contract:<operationId>` for a contract departure no rule names. */
  readonly ruleId: string;
  readonly api?: string;
  readonly apiName?: string;
  readonly security?: true;
  /** The rule is in only one run's catalogue: added to it since the baseline, or removed from it since. */
  readonly catalogue?: 'added' | 'removed';
  /** For a rule failing or warned in the newer run: where, what the documents say and what was received (redacted). */
  readonly where?: string;
  readonly documented?: string;
  readonly received?: string;
}

export interface RowVerdictChange {
  readonly id: string;
  readonly name: string;
  /** Whether the row counts for the newer run's verdict. */
  readonly applicable: boolean;
  /** Absent when the row is not in that run's summary (the API summary changed). */
  readonly baseline?: RowVerdict;
  readonly current?: RowVerdict;
}

/** What judged a row: its kind, the suite's tests or the calls observed, and how many rules it judged. */
export interface RowEvidence {
  readonly kind: Evidence;
  readonly count: number;
  readonly rulesChecked: number;
}

export interface RowEvidenceChange {
  readonly id: string;
  readonly name: string;
  readonly baseline: RowEvidence;
  readonly current: RowEvidence;
}

export interface Comparison {
  readonly baseline: ComparedRun;
  readonly current: ComparedRun;
  /** Whether both runs were judged by the same contracts; unknown when a run's version is. */
  readonly contractVersions: 'same' | 'different' | 'unknown';
  /** The catalogue's rules added and removed since the baseline; absent unless both summaries carry their catalogue. */
  readonly catalogue?: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly rules: {
    /** Documented or security rules failed now that did not fail in the baseline. */
    readonly newlyFailed: readonly RuleChange[];
    /** Failed in the baseline, not now. */
    readonly fixed: readonly RuleChange[];
    readonly stillFailing: readonly RuleChange[];
    /** Warned now (inferred rules, recommendations, documentation quirks, contract departures), not in the baseline. */
    readonly newlyWarned: readonly RuleChange[];
    readonly warningsGone: readonly RuleChange[];
  };
  readonly rows: {
    readonly verdictChanged: readonly RowVerdictChange[];
    /** Its kind, the rules it judged, or the suite's tests changed; observed calls are not compared (polling varies). */
    readonly evidenceChanged: readonly RowEvidenceChange[];
  };
  readonly securityFindings: { readonly new: readonly RuleChange[]; readonly gone: readonly RuleChange[] };
  /** A rule newly failed or a security finding is new: what `npm run certify:compare` exits 1 for. */
  readonly worse: boolean;
}

interface Standing {
  readonly finding: Finding | undefined;
  readonly row: ApiSummaryRow | undefined;
}

/** The rules a run failed (documented or security) and those it only warned on, each with its finding and row. */
function standings(summary: ComparableSummary): { failed: Map<string, Standing>; warned: Map<string, Standing> } {
  const rowOf = (ruleId: string, finding: Finding | undefined): ApiSummaryRow | undefined =>
    summary.apis.find((r) => r.failedRules.includes(ruleId) || r.warningRules.includes(ruleId)) ??
    summary.apis.find((r) => r.id === finding?.api);
  const collect = (findings: readonly Finding[], rowRules: (row: ApiSummaryRow) => readonly string[]): Map<string, Standing> => {
    const found = new Map<string, Standing>();
    for (const finding of findings)
      if (!found.has(finding.ruleId)) found.set(finding.ruleId, { finding, row: rowOf(finding.ruleId, finding) });
    for (const row of summary.apis)
      for (const ruleId of rowRules(row)) if (!found.has(ruleId)) found.set(ruleId, { finding: undefined, row });
    return found;
  };
  const failed = collect([...summary.securityFindings, ...summary.failures], (row) => row.failedRules);
  const warned = collect(summary.warnings, (row) => row.warningRules);
  for (const ruleId of failed.keys()) warned.delete(ruleId);
  return { failed, warned };
}

const byRule = (a: RuleChange, b: RuleChange): number => a.ruleId.localeCompare(b.ruleId);

function ruleChange(ruleId: string, standing: Standing, catalogue: RuleChange['catalogue'], detail: boolean): RuleChange {
  const { finding, row } = standing;
  const api = row?.id ?? finding?.api;
  const apiName = row?.name ?? finding?.apiName;
  return {
    ruleId,
    ...(api !== undefined ? { api } : {}),
    ...(apiName !== undefined ? { apiName } : {}),
    ...(finding?.security ? { security: true as const } : {}),
    ...(catalogue ? { catalogue } : {}),
    ...(detail && finding ? { where: finding.where, documented: finding.documented, received: finding.received } : {}),
  };
}

const evidenceOf = (row: ApiSummaryRow): RowEvidence => ({ kind: row.evidence, count: row.evidenceCount, rulesChecked: row.rulesChecked });

/** Evidence changed: another kind, other rules judged, or another number of suite tests (observed calls vary with polling). */
const evidenceDiffers = (a: RowEvidence, b: RowEvidence): boolean =>
  a.kind !== b.kind || a.rulesChecked !== b.rulesChecked || (a.kind === 'suite' && a.count !== b.count);

function comparedRun(summary: ComparableSummary, source: string | undefined): ComparedRun {
  return {
    ...(source !== undefined ? { source } : {}),
    generatedAt: summary.generatedAt,
    verdict: summary.verdict,
    seed: summary.seed,
    issuerId: summary.subject.issuerId,
    ...(summary.versions ? { versions: summary.versions } : {}),
    catalogueKnown: summary.catalogueRules !== undefined,
  };
}

/**
 * What changed from `baseline` to `current`, the newer run. `sources` says where each summary was read from, for the
 * reader of the comparison.
 */
export function compareSummaries(
  baseline: ComparableSummary,
  current: ComparableSummary,
  sources: { readonly baseline?: string; readonly current?: string } = {},
): Comparison {
  const before = standings(baseline);
  const now = standings(current);
  const baselineRules = baseline.catalogueRules ? new Set(baseline.catalogueRules) : undefined;
  const currentRules = current.catalogueRules ? new Set(current.catalogueRules) : undefined;
  const catalogue =
    baselineRules && currentRules
      ? {
          added: [...currentRules].filter((id) => !baselineRules.has(id)).sort(),
          removed: [...baselineRules].filter((id) => !currentRules.has(id)).sort(),
        }
      : undefined;
  // Only a rule id can be in a catalogue; a contract departure (contract:<operationId>) never is.
  const added = (id: string): RuleChange['catalogue'] =>
    baselineRules && currentRules?.has(id) && !baselineRules.has(id) ? 'added' : undefined;
  const removed = (id: string): RuleChange['catalogue'] =>
    currentRules && baselineRules?.has(id) && !currentRules.has(id) ? 'removed' : undefined;

  const onlyIn = (
    these: Map<string, Standing>,
    those: Map<string, Standing>,
    mark: (id: string) => RuleChange['catalogue'],
    detail: boolean,
  ) => [...these].filter(([id]) => !those.has(id)).map(([id, standing]) => ruleChange(id, standing, mark(id), detail));
  const newlyFailed = onlyIn(now.failed, before.failed, added, true).sort(byRule);
  const fixed = onlyIn(before.failed, now.failed, removed, false).sort(byRule);
  const stillFailing = [...now.failed]
    .filter(([id]) => before.failed.has(id))
    .map(([id, standing]) => ruleChange(id, standing, undefined, true))
    .sort(byRule);
  const newlyWarned = onlyIn(now.warned, before.warned, added, true).sort(byRule);
  const warningsGone = onlyIn(before.warned, now.warned, removed, false).sort(byRule);

  const securityOf = (summary: ComparableSummary): Map<string, Standing> =>
    new Map(summary.securityFindings.map((f) => [f.ruleId, { finding: f, row: summary.apis.find((r) => r.id === f.api) }]));
  const securityBefore = securityOf(baseline);
  const securityNow = securityOf(current);

  const baselineRows = new Map(baseline.apis.map((r) => [r.id, r]));
  const currentRows = new Map(current.apis.map((r) => [r.id, r]));
  const verdictChanged: RowVerdictChange[] = [];
  const evidenceChanged: RowEvidenceChange[] = [];
  for (const id of new Set([...currentRows.keys(), ...baselineRows.keys()])) {
    const then = baselineRows.get(id);
    const row = currentRows.get(id);
    const name = row?.name ?? then?.name ?? id;
    if (then?.verdict !== row?.verdict) {
      verdictChanged.push({
        id,
        name,
        applicable: row?.applicable ?? false,
        ...(then ? { baseline: then.verdict } : {}),
        ...(row ? { current: row.verdict } : {}),
      });
    }
    if (then && row && evidenceDiffers(evidenceOf(then), evidenceOf(row)))
      evidenceChanged.push({ id, name, baseline: evidenceOf(then), current: evidenceOf(row) });
  }

  const securityNew = onlyIn(securityNow, securityBefore, added, true).sort(byRule);
  const versionsKnown = baseline.versions && current.versions;
  return {
    baseline: comparedRun(baseline, sources.baseline),
    current: comparedRun(current, sources.current),
    contractVersions: versionsKnown ? (baseline.versions?.contracts === current.versions?.contracts ? 'same' : 'different') : 'unknown',
    ...(catalogue ? { catalogue } : {}),
    rules: { newlyFailed, fixed, stillFailing, newlyWarned, warningsGone },
    rows: { verdictChanged, evidenceChanged },
    securityFindings: { new: securityNew, gone: onlyIn(securityBefore, securityNow, removed, false).sort(byRule) },
    worse: newlyFailed.length > 0 || securityNew.length > 0,
  };
}

/**
 * Why a parsed JSON value cannot be compared as a compliance summary, or undefined when it can. Only what a comparison
 * reads is required, so that a summary an older version wrote still compares.
 */
export function notComparable(value: unknown): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return 'not a JSON object';
  for (const key of ['verdict', 'generatedAt'] as const) if (typeof value[key] !== 'string') return `no ${key}`;
  if (typeof value.seed !== 'number') return 'no seed';
  if (!isObject(value.subject) || typeof value.subject.issuerId !== 'string') return 'no subject';
  for (const key of ['securityFindings', 'failures', 'warnings'] as const) {
    const list = value[key];
    if (!Array.isArray(list) || !list.every((f) => isObject(f) && typeof f.ruleId === 'string')) return `no list of ${key}`;
  }
  const rows = value.apis;
  const ids = (v: unknown): boolean => Array.isArray(v) && v.every((id) => typeof id === 'string');
  if (
    !Array.isArray(rows) ||
    !rows.every(
      (r) => isObject(r) && typeof r.id === 'string' && typeof r.verdict === 'string' && ids(r.failedRules) && ids(r.warningRules),
    )
  )
    return 'no rows of the D1 API summary (apis)';
  if (value.catalogueRules !== undefined && !ids(value.catalogueRules)) return 'catalogueRules is not a list of rule ids';
  return undefined;
}

const when = (iso: string): string => iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');

/** The run compared with, as a heading says it: `the certification of 2026-05-01 10:00:00 UTC (READY)`. */
export const baselineLabel = (c: Comparison): string => `the certification of ${when(c.baseline.generatedAt)} (${c.baseline.verdict})`;

const counted = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The comparison in one line, for the console and the certificate. */
export function comparisonLine(c: Comparison): string {
  const r = c.rules;
  // The first few by name; the summary lists them all.
  const named = r.newlyFailed.slice(0, 5).map((f) => f.ruleId);
  const more = r.newlyFailed.length > named.length ? `, and ${r.newlyFailed.length - named.length} more` : '';
  const failed = named.length > 0 ? ` (${named.join(', ')}${more})` : '';
  return (
    `${counted(r.newlyFailed.length, 'rule')} newly failed${failed}, ${r.fixed.length} fixed, ${r.stillFailing.length} still failing, ` +
    `${r.newlyWarned.length} newly warned, ${counted(r.warningsGone.length, 'warning')} gone; ` +
    `${counted(c.securityFindings.new.length, 'new security finding')}, ${c.securityFindings.gone.length} gone; ` +
    `${counted(c.rows.verdictChanged.length, 'row')} changed verdict, ${c.rows.evidenceChanged.length} evidence` +
    (c.contractVersions === 'different' ? '; different contract versions' : '')
  );
}

const versionsText = (run: ComparedRun): string =>
  run.versions ? `product ${run.versions.product}, contracts sha256 ${run.versions.contracts}` : 'versions unknown';

const runText = (run: ComparedRun): string =>
  `${run.verdict}, ${when(run.generatedAt)}, seed ${run.seed}, ${versionsText(run)}${run.source ? ` (${run.source})` : ''}.`;

/** Which summary lacks something: the baseline's, the newer run's, or both. */
const unknownIn = (inBaseline: boolean, inCurrent: boolean): string =>
  !inBaseline && !inCurrent ? 'both summaries were' : !inBaseline ? "the baseline's summary was" : "the newer run's summary was";

const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

function ruleLines(title: string, changes: readonly RuleChange[]): string[] {
  if (changes.length === 0) return [];
  const line = (c: RuleChange): string =>
    `- ${c.security ? 'SECURITY ' : ''}${c.ruleId}${c.apiName ? ` (${c.apiName})` : ''}` +
    (c.catalogue === 'added' ? ', new in the catalogue' : c.catalogue === 'removed' ? ', no longer in the catalogue' : '') +
    (c.received !== undefined ? ` at ${c.where ?? '/'}: documented ${cell(c.documented ?? '')}; received ${cell(c.received)}` : '');
  return ['', `${title} (${changes.length}):`, ...changes.map(line)];
}

const evidenceText = (e: RowEvidence): string =>
  e.kind === 'none'
    ? 'none'
    : `${e.kind}: ${counted(e.count, e.kind === 'suite' ? 'test' : 'call')}, ${counted(e.rulesChecked, 'rule')} judged`;

/** The comparison as a Markdown section, "Changes since ...": in the summary, on the console and from certify:compare. */
export function comparisonMarkdown(c: Comparison): string {
  const contracts =
    c.contractVersions === 'same'
      ? 'Both runs were judged by the same contracts.'
      : c.contractVersions === 'different'
        ? `The runs were judged by different contract versions (sha256 ${c.baseline.versions?.contracts ?? '?'} then ` +
          `${c.current.versions?.contracts ?? '?'}).`
        : `The contract versions cannot be compared: ${unknownIn(c.baseline.versions !== undefined, c.current.versions !== undefined)} ` +
          'written before summaries carried them.';
  const catalogue = c.catalogue
    ? c.catalogue.added.length + c.catalogue.removed.length === 0
      ? ['Both runs were judged by the same catalogue of rules.']
      : [
          `Catalogue rules added since the baseline (${c.catalogue.added.length}): ${c.catalogue.added.join(', ') || 'none'}.`,
          `Catalogue rules removed since the baseline (${c.catalogue.removed.length}): ${c.catalogue.removed.join(', ') || 'none'}.`,
        ]
    : [
        `The rules added to or removed from the catalogue are unknown: ${unknownIn(c.baseline.catalogueKnown, c.current.catalogueKnown)} ` +
          "written before summaries listed their catalogue's rules.",
      ];
  const rows = c.rows;
  const verdict = (v: RowVerdict | undefined): string => v ?? 'not in the run';
  const nothing =
    c.rules.newlyFailed.length +
      c.rules.fixed.length +
      c.rules.newlyWarned.length +
      c.rules.warningsGone.length +
      c.securityFindings.new.length +
      c.securityFindings.gone.length +
      rows.verdictChanged.length +
      rows.evidenceChanged.length ===
    0;
  return [
    `## Changes since ${baselineLabel(c)}`,
    '',
    `- Baseline: ${runText(c.baseline)}`,
    `- ${c.current.source ? 'Newer run' : 'This run'}: ${runText(c.current)}`,
    '',
    [contracts, ...catalogue].join(' '),
    '',
    `${c.worse ? 'Worse' : 'Nothing got worse'}: ${comparisonLine(c)}.`,
    ...(nothing ? ['', 'Nothing changed, rule by rule or row by row.'] : []),
    ...ruleLines('Security findings new (each fails the go-live)', c.securityFindings.new),
    ...ruleLines('Security findings gone', c.securityFindings.gone),
    ...ruleLines('Rules newly failed', c.rules.newlyFailed),
    ...ruleLines('Rules fixed', c.rules.fixed),
    ...ruleLines('Rules still failing', c.rules.stillFailing),
    ...ruleLines('Rules newly warned', c.rules.newlyWarned),
    ...ruleLines('Warnings gone', c.rules.warningsGone),
    ...(rows.verdictChanged.length > 0
      ? [
          '',
          `Rows whose verdict changed (${rows.verdictChanged.length}):`,
          ...rows.verdictChanged.map(
            (r) => `- ${r.name} (${r.id})${r.applicable ? '' : ', does not count'}: ${verdict(r.baseline)} → ${verdict(r.current)}`,
          ),
        ]
      : []),
    ...(rows.evidenceChanged.length > 0
      ? [
          '',
          `Rows whose evidence changed (${rows.evidenceChanged.length}):`,
          ...rows.evidenceChanged.map((r) => `- ${r.name} (${r.id}): ${evidenceText(r.baseline)} → ${evidenceText(r.current)}`),
        ]
      : []),
    '',
  ].join('\n');
}
