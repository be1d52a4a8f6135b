/**
 * `npm run docs:tables`: keeps the generated tables of the README and of docs/ in step with their sources: the
 * performance targets (bench/targets.ts) and the last benchmark results (bench/results.md), the rules that cannot be
 * checked from outside and those the observer judges (specs/), the planted bugs of both mocks (mocks/*\/faults.ts) and
 * their legitimate variants (mocks/*\/variants.ts). Each table sits in the page it belongs to, between
 * `<!-- table:NAME -->` and `<!-- /table:NAME -->`; `--check` changes nothing and exits 1 naming each page out of date.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TARGETS, formatTarget } from '../bench/targets.js';
import { rules } from '../gen/catalogue.js';
import { fromRoot } from '../lib/paths.js';
import { d1Faults } from '../mocks/d1/faults.js';
import { issuerFaults } from '../mocks/issuer/faults.js';
import { d1Variants } from '../mocks/d1/variants.js';
import { issuerVariants } from '../mocks/issuer/variants.js';
import { OBSERVER_RULES } from '../observer/usage-rules.js';
import type { FaultTable } from '../mocks/faults.js';

/** The command that rewrites the tables, as failure messages name it. */
export const DOCS_TABLES_COMMAND = 'npm run docs:tables';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function faultTable(table: FaultTable): string {
  return [
    '| fault | rule | what the mock then does |',
    '|---|---|---|',
    ...Object.entries(table).map(([name, fault]) => `| \`${name}\` | \`${fault.rule}\` | ${cell(fault.description)} |`),
  ].join('\n');
}

function variantTable(table: Readonly<Record<string, { readonly description: string; readonly allowedBy: string }>>): string {
  return [
    '| variant | what the mock then does | why the documents allow it |',
    '|---|---|---|',
    ...Object.entries(table).map(([name, variant]) => `| \`${name}\` | ${cell(variant.description)} | ${cell(variant.allowedBy)} |`),
  ].join('\n');
}

function uncheckableTable(): string {
  return [
    '| rule | provenance | seen by | why calling the API cannot check it |',
    '|---|---|---|---|',
    ...rules
      .filter((r) => r.observable)
      .map((r) => {
        const seenBy = r.observable?.by === 'observer' ? "watching the issuer's own calls" : 'nothing outside';
        return `| \`${r.id}\` | ${r.provenance} | ${seenBy} | ${cell(r.observable?.why ?? '')} |`;
      }),
  ].join('\n');
}

/**
 * The rules the observer judges from a bank's own calls beyond the contracts' field rules: those the catalogue says
 * only the observer can see, and those its usage checks register (the assertion's JWT rules, for one).
 */
function observerRulesTable(): string {
  return [
    '| rule | provenance | security | statement |',
    '|---|---|---|---|',
    ...rules
      .filter((r) => r.observable?.by === 'observer' || OBSERVER_RULES.has(r.id))
      .map((r) => `| \`${r.id}\` | ${r.provenance} | ${r.security === true ? 'yes' : 'no'} | ${cell(r.statement)} |`),
  ].join('\n');
}

/** The performance targets as bench/targets.ts sets them, which `npm run bench:check` judges by. */
function targetsTable(): string {
  return ['| what is measured | target |', '|---|---|', ...TARGETS.map((t) => `| ${cell(t.description)} | ${formatTarget(t)} |`)].join(
    '\n',
  );
}

/** bench/results.md as `npm run bench` last wrote it, without its leading "written by" comment. */
function benchResults(): string {
  const file = fromRoot('bench', 'results.md');
  if (!existsSync(file)) return 'No results yet: run `npm run bench`.';
  const lines = readFileSync(file, 'utf8').split('\n');
  while (lines.length > 0 && (/^<!--.*-->\s*$/.test(lines[0] ?? '') || lines[0]?.trim() === '')) lines.shift();
  return lines.join('\n').trimEnd();
}

export interface GeneratedTable {
  /** The page the table belongs to, relative to the repository root. */
  readonly page: string;
  readonly render: () => string;
}

export const GENERATED_TABLES: Readonly<Record<string, GeneratedTable>> = {
  targets: { page: 'README.md', render: targetsTable },
  'bench-results': { page: 'docs/benchmarks.md', render: benchResults },
  'uncheckable-rules': { page: 'docs/suites.md', render: uncheckableTable },
  'observer-rules': { page: 'docs/observing.md', render: observerRulesTable },
  'd1-faults': { page: 'docs/mocks.md', render: () => faultTable(d1Faults) },
  'issuer-faults': { page: 'docs/mocks.md', render: () => faultTable(issuerFaults) },
  'd1-variants': { page: 'docs/mocks.md', render: () => variantTable(d1Variants) },
  'issuer-variants': { page: 'docs/mocks.md', render: () => variantTable(issuerVariants) },
};

/** The pages that hold generated tables. */
export const pagesWithTables = (): string[] => [...new Set(Object.values(GENERATED_TABLES).map((t) => t.page))];

const markers = (name: string): RegExp => new RegExp(`(<!-- table:${name} -->)[\\s\\S]*?(<!-- /table:${name} -->)`);

/** A page's text with each of its generated tables written afresh between its markers. */
export function renderPage(page: string, text: string): string {
  let result = text;
  for (const [name, table] of Object.entries(GENERATED_TABLES)) {
    if (table.page !== page) continue;
    const pattern = markers(name);
    if (!pattern.test(result))
      throw new Error(`${page} has no markers for the ${name} table (<!-- table:${name} --> ... <!-- /table:${name} -->)`);
    result = result.replace(pattern, (_, start: string, end: string) => `${start}\n${table.render()}\n${end}`);
  }
  return result;
}

if (process.argv[1]?.endsWith('readme-tables.ts')) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const page of pagesWithTables()) {
    const file = fromRoot(page);
    const current = readFileSync(file, 'utf8');
    const rendered = renderPage(page, current);
    if (rendered === current) continue;
    if (check) stale.push(page);
    else writeFileSync(file, rendered);
  }
  for (const page of stale) process.stderr.write(`${page}: generated tables are out of date; run ${DOCS_TABLES_COMMAND}\n`);
  if (stale.length > 0) process.exit(1);
}
