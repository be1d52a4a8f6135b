/**
 * Nothing the documents publish is lost on the way into the contracts: every regular expression and every enum-like
 * value that the fact sheet marks as seen in a seed page [S] or confirmed on a public page [C] appears in a contract,
 * patterns character for character.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { describeAllContracts, type JsonSchema } from '../../lib/contracts/operations.js';
import { fromRoot } from '../../lib/paths.js';
import { factSheet, haveSourceDocuments, sourceDocumentsDir } from './source-documents.js';

interface Fact {
  readonly token: string;
  readonly line: number;
}

/** Backticked tokens of the lines tagged [S] or [C], a line without a tag taking the tags of its section heading. */
function documentedTokens(text: string): Fact[] {
  const facts: Fact[] = [];
  let headingTags: string[] = [];
  text.split('\n').forEach((line, index) => {
    const tags = [...line.matchAll(/\[(S|C|I)\]/g)].map((m) => m[1] ?? '');
    if (line.startsWith('#')) {
      headingTags = tags;
      return;
    }
    const effective = tags.length > 0 ? tags : headingTags;
    if (!effective.includes('S') && !effective.includes('C')) return;
    for (const match of line.matchAll(/`([^`]+)`/g)) facts.push({ token: match[1] ?? '', line: index + 1 });
  });
  return facts;
}

function collectPatterns(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => collectPatterns(item, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as JsonSchema)) {
      if (key === 'pattern' && typeof value === 'string') into.add(value);
      else collectPatterns(value, into);
    }
  }
  return into;
}

test.describe('the fact sheet against the contracts', () => {
  test.skip(!haveSourceDocuments, `source documents not found in ${sourceDocumentsDir}`);

  test('every [S]/[C] pattern is a pattern of some contract, exactly as published', () => {
    const operations = describeAllContracts();
    const contractPatterns = collectPatterns(operations, new Set());
    const published = documentedTokens(factSheet()).filter((f) => /^(\^|\[)/.test(f.token) && /\{\d+,\d+\}|\$$/.test(f.token));
    expect(published.length).toBeGreaterThan(10);
    const missing = published.filter((f) => !contractPatterns.has(f.token)).map((f) => `line ${f.line}: ${f.token}`);
    expect(missing).toEqual([]);
  });

  test('every [S]/[C] enum value, error code and algorithm name appears in a contract', () => {
    const contractText = readdirSync(fromRoot('contracts'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => readFileSync(fromRoot('contracts', file), 'utf8'))
      .join('\n');
    const published = documentedTokens(factSheet()).filter((f) => /^[A-Z][A-Z0-9_]{2,}$/.test(f.token));
    expect(published.length).toBeGreaterThan(20);
    const missing = [...new Set(published.filter((f) => !new RegExp(`\\b${f.token}\\b`).test(contractText)).map((f) => f.token))];
    expect(missing).toEqual([]);
  });
});
