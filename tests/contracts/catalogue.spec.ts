/**
 * The catalogue is well formed and tied both ways to the D1 API summary and to the contracts.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { Ajv } from 'ajv';
import { flattenRules, readCatalogueSources } from '../../lib/catalogue/load.js';
import { describeAllContracts } from '../../lib/contracts/operations.js';
import { fromRoot } from '../../lib/paths.js';
import { factSheet, haveSourceDocuments, seedDocuments, sourceDocumentsDir } from './source-documents.js';

const sources = readCatalogueSources();
const rules = flattenRules(sources);
const operations = describeAllContracts();
const rowById = new Map(sources.apis.map((row) => [row.id, row]));

test('every catalogue file follows specs/catalogue.schema.json', () => {
  const validate = new Ajv({ allErrors: true }).compile(
    JSON.parse(readFileSync(fromRoot('specs', 'catalogue.schema.json'), 'utf8')) as object,
  );
  for (const { file, content } of sources.files) {
    expect(validate(content), `${file}: ${JSON.stringify(validate.errors, null, 1)}`).toBe(true);
  }
});

test('rule ids are unique across the catalogue', () => {
  const seen = new Map<string, string>();
  const duplicates = rules.filter((r) => {
    const first = seen.get(r.id);
    seen.set(r.id, r.file);
    return first !== undefined;
  });
  expect(duplicates.map((r) => `${r.id} (${r.file})`)).toEqual([]);
});

test('the D1 API summary has its 23 rows: 12 mandatory, 6 conditional, 5 optional', () => {
  const count = (category: string): number => sources.apis.filter((row) => row.category === category).length;
  expect(sources.apis).toHaveLength(23);
  expect([count('mandatory'), count('conditional'), count('optional')]).toEqual([12, 6, 5]);
  expect(new Set(sources.apis.map((row) => row.id)).size).toBe(23);
});

test('every summary row has rules, and the catalogue holds well over 100 of them', () => {
  const rowsWithoutRules = sources.apis.filter((row) => !rules.some((r) => r.api === row.id)).map((row) => row.id);
  expect(rowsWithoutRules).toEqual([]);
  expect(rules.length).toBeGreaterThan(100);
});

test("each rule names an existing row and carries that row's category", () => {
  const wrong = rules
    .filter((r) => rowById.get(r.api)?.category !== r.category)
    .map((r) => `${r.id}: api ${r.api} (${rowById.get(r.api)?.category ?? 'no such row'}), category ${r.category}`);
  expect(wrong).toEqual([]);
});

test('each inferred rule says why in a note', () => {
  expect(rules.filter((r) => r.provenance === 'inferred' && !r.note).map((r) => r.id)).toEqual([]);
});

test('the operations of the summary rows and of the contracts are the same set', () => {
  const fromRows = sources.apis.flatMap((row) => row.operations).sort();
  const fromContracts = operations.map((o) => o.operationId).sort();
  expect(fromContracts).toEqual(fromRows);
});

test("each operation's x-d1-api and x-d1-category match its summary row", () => {
  const wrong = operations
    .filter((o) => {
      const row = rowById.get(o.api);
      return !row || row.category !== o.category || !row.operations.includes(o.operationId);
    })
    .map((o) => `${o.operationId}: x-d1-api ${o.api}, x-d1-category ${o.category}`);
  expect(wrong).toEqual([]);
});

test('every x-rules id exists in the catalogue', () => {
  const known = new Set(rules.map((r) => r.id));
  const unknown = operations.flatMap((o) => o.rules.filter((id) => !known.has(id)).map((id) => `${o.operationId}: ${id}`));
  expect(unknown).toEqual([]);
});

test('every rule is listed in x-rules of an operation of its own row', () => {
  const unlisted = rules.filter((r) => !operations.some((o) => o.api === r.api && o.rules.includes(r.id))).map((r) => `${r.id} (${r.api})`);
  expect(unlisted).toEqual([]);
});

test("a field rule is listed in x-rules of exactly the operations its check names, all in the rule's row", () => {
  const wrong: string[] = [];
  for (const rule of rules) {
    if (!rule.check) continue;
    for (const operationId of rule.check.operations) {
      const operation = operations.find((o) => o.operationId === operationId);
      if (!operation) wrong.push(`${rule.id}: no operation ${operationId}`);
      else if (operation.api !== rule.api) wrong.push(`${rule.id}: ${operationId} belongs to ${operation.api}, not ${rule.api}`);
      else if (!operation.rules.includes(rule.id)) wrong.push(`${rule.id}: missing from x-rules of ${operationId}`);
    }
    for (const operation of operations) {
      if (operation.rules.includes(rule.id) && !rule.check.operations.includes(operation.operationId)) {
        wrong.push(`${rule.id}: listed by ${operation.operationId}, which its check does not name`);
      }
    }
  }
  expect(wrong).toEqual([]);
});

test('sources are public documentation pages', () => {
  const allowed = /^https:\/\/(docs\.payments\.thalescloud\.io|www\.rfc-editor\.org|datatracker\.ietf\.org)\//;
  expect(rules.filter((r) => !allowed.test(r.source)).map((r) => `${r.id}: ${r.source}`)).toEqual([]);
  expect(sources.apisSource).toMatch(allowed);
});

test('statements are written in our own words: none shares eight consecutive words with the source documents', () => {
  test.skip(!haveSourceDocuments, `source documents not found in ${sourceDocumentsDir}`);
  const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  const ngrams = (list: string[], n: number): string[] =>
    list.slice(0, Math.max(0, list.length - n + 1)).map((_, i) => list.slice(i, i + n).join(' '));
  const documentGrams = new Set([...seedDocuments(), factSheet()].flatMap((d) => ngrams(words(d), 8)));
  const copied = rules.flatMap((r) =>
    ngrams(words(`${r.statement} ${r.note ?? ''}`), 8)
      .filter((g) => documentGrams.has(g))
      .map((g) => `${r.id}: "${g}"`),
  );
  expect(copied).toEqual([]);
});
