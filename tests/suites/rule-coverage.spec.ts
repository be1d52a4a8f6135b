/**
 * Coverage of the catalogue by the suites, computed from the tests' own tags: every documented rule that can be
 * checked from outside is the tag of at least one conformance test. Rules that cannot be (the catalogue's
 * `observable` says why) are listed in docs/suites.md instead.
 */
import { spawnSync } from 'node:child_process';
import { test, expect } from '@playwright/test';
import { rules } from '../../gen/catalogue.js';
import { fromRoot } from '../../lib/paths.js';
import { SUITE_PROJECTS } from '../../reporters/certification.js';

interface ListedSuite {
  readonly specs?: readonly { readonly tags?: readonly string[] }[];
  readonly suites?: readonly ListedSuite[];
}

const tagsOf = (suite: ListedSuite, into: Set<string>): Set<string> => {
  for (const spec of suite.specs ?? []) for (const tag of spec.tags ?? []) into.add(tag.replace(/^@/, ''));
  for (const child of suite.suites ?? []) tagsOf(child, into);
  return into;
};

test('every documented rule that can be checked from outside is checked by a conformance test', () => {
  const listing = spawnSync(
    process.execPath,
    [
      fromRoot('node_modules', '@playwright', 'test', 'cli.js'),
      'test',
      '--list',
      '--reporter=json',
      ...SUITE_PROJECTS.map((p) => `--project=${p}`),
    ],
    { cwd: fromRoot(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(listing.status, listing.stderr).toBe(0);
  const tags = tagsOf({ suites: (JSON.parse(listing.stdout) as { suites: ListedSuite[] }).suites }, new Set());
  const checkable = rules.filter((r) => r.observable === undefined);
  const unchecked = checkable.filter((r) => r.provenance === 'documented' && !tags.has(r.id)).map((r) => r.id);
  const uncheckedInferred = checkable.filter((r) => r.provenance === 'inferred' && !tags.has(r.id)).map((r) => r.id);
  console.log(
    `rules checked by a test: ${checkable.filter((r) => tags.has(r.id)).length} of ${checkable.length} checkable ` +
      `(${rules.length} in the catalogue); inferred rules without a test: ${uncheckedInferred.length}`,
  );
  expect(unchecked).toEqual([]);
});
