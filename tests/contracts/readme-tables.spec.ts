/**
 * The README's reference tables (planted bugs, rules not checkable from outside) are what their sources say.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import { renderReadme } from '../../scripts/readme-tables.js';

test('the README tables match the fault tables and the catalogue (npm run readme:tables rewrites them)', () => {
  const readme = readFileSync(fromRoot('README.md'), 'utf8');
  expect(renderReadme(readme)).toBe(readme);
});
