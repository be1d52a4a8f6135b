import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../../lib/paths.js';

/**
 * The documents the contracts were derived from (the seed pages and the fact sheet) are not part of the repository;
 * they sit beside it in `../shared`, or wherever D1_SOURCE_DOCS points. Tests that compare against them skip
 * when they are absent.
 */
export const sourceDocumentsDir = process.env.D1_SOURCE_DOCS ?? fromRoot('..', 'shared');
export const haveSourceDocuments = existsSync(path.join(sourceDocumentsDir, 'd1-api-facts.md'));

export const factSheet = (): string => readFileSync(path.join(sourceDocumentsDir, 'd1-api-facts.md'), 'utf8');

export const seedDocuments = (): string[] => {
  const dir = path.join(sourceDocumentsDir, 'seeds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
};
