/**
 * Keeps the README's reference tables in step with their sources: the rules that cannot be checked from outside
 * and those the observer judges (specs/), the planted bugs of both mocks (mocks/*\/faults.ts) and their legitimate variants (mocks/*\/variants.ts). Each table sits between marker comments;
 * `--check` changes nothing and exits 1 when a table is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { rules } from '../gen/catalogue.js';
import { fromRoot } from '../lib/paths.js';
import { d1Faults } from '../mocks/d1/faults.js';
import { issuerFaults } from '../mocks/issuer/faults.js';
import { d1Variants } from '../mocks/d1/variants.js';
import { issuerVariants } from '../mocks/issuer/variants.js';
import { OBSERVER_RULES } from '../observer/usage-rules.js';
import type { FaultTable } from '../mocks/faults.js';

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
      .map(
        (r) =>
          `| \`${r.id}\` | ${r.provenance} | ${r.observable?.by === 'observer' ? "watching the issuer's own calls" : 'nothing outside'} | ${cell(r.observable?.why ?? '')} |`,
      ),
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

export const README_TABLES: Readonly<Record<string, () => string>> = {
  'uncheckable-rules': uncheckableTable,
  'observer-rules': observerRulesTable,
  'd1-faults': () => faultTable(d1Faults),
  'issuer-faults': () => faultTable(issuerFaults),
  'd1-variants': () => variantTable(d1Variants),
  'issuer-variants': () => variantTable(issuerVariants),
};

export function renderReadme(text: string): string {
  let result = text;
  for (const [name, render] of Object.entries(README_TABLES)) {
    const pattern = new RegExp(`(<!-- table:${name} -->)[\\s\\S]*?(<!-- /table:${name} -->)`);
    if (!pattern.test(result)) throw new Error(`README.md has no markers for the ${name} table`);
    result = result.replace(pattern, (_, start: string, end: string) => `${start}\n${render()}\n${end}`);
  }
  return result;
}

if (process.argv[1]?.endsWith('readme-tables.ts')) {
  const path = fromRoot('README.md');
  const current = readFileSync(path, 'utf8');
  const rendered = renderReadme(current);
  if (process.argv.includes('--check')) {
    if (rendered !== current) {
      process.stderr.write('README.md tables are out of date; run npm run readme:tables\n');
      process.exit(1);
    }
  } else writeFileSync(path, rendered);
}
