/**
 * The GitHub Actions workflows in examples/ci/, which a bank copies into its own repository, parse as YAML and use the
 * suite as that repository has it: installed as a package and run through its command, never `npm run` in a clone;
 * the Allure history and the last READY run restored before the verdict and saved after it, under one key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { parse } from 'yaml';
import { fromRoot } from '../../lib/paths.js';

const PACKAGE = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { bin: Record<string, string> };
const [COMMAND] = Object.keys(PACKAGE.bin);

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
}
interface Workflow {
  readonly jobs: Record<string, { readonly steps: readonly Step[] }>;
}

const workflows = readdirSync(fromRoot('examples', 'ci')).filter((f) => f.endsWith('.yml'));

test('there are example workflows, and the package has one command', () => {
  expect(workflows.length).toBeGreaterThan(0);
  expect(Object.keys(PACKAGE.bin)).toEqual([COMMAND]);
});

for (const file of workflows) {
  test(`${file} installs the package, runs its command and keeps the history and the last READY run`, () => {
    // A YAML error (a duplicated key among them) throws here.
    const workflow = parse(readFileSync(fromRoot('examples', 'ci', file), 'utf8')) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const scripts = steps.flatMap((s) => (s.run ? [s.run] : [])).join('\n');
    expect(scripts).not.toMatch(/npm (ci|run)\b/);
    expect(scripts).toMatch(/npm install --prefix \S+ .*"\$D1_CTP_PACKAGE"/);
    expect(scripts).toContain(`${COMMAND} certify`);

    const restored = steps.filter((s) => s.uses?.startsWith('actions/cache/restore@'));
    const saved = steps.filter((s) => s.uses?.startsWith('actions/cache/save@'));
    expect(restored).toHaveLength(1);
    expect(saved).toHaveLength(1);
    for (const kept of ['reports/allure-history.jsonl', 'last-ready/'])
      expect([restored[0]?.with?.path, saved[0]?.with?.path].every((p) => p?.split('\n').includes(kept))).toBe(true);
    expect(saved[0]?.with?.key).toBe(restored[0]?.with?.key);
    expect(scripts).toMatch(/--compare last-ready|compare last-ready reports/);
  });
}
