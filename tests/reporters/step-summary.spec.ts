/**
 * The summary on a GitHub Actions job's page: appended to the file GITHUB_STEP_SUMMARY names, after what earlier steps
 * wrote there, never over it; a file that cannot be written is one line of explanation, never an exception. (A whole
 * run appending to it is in tests/reporters/allure-history.spec.ts.)
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { appendStepSummary } from '../../reporters/step-summary.js';

const SUMMARY = '# Go-live verdict: READY\n\n| API | verdict |\n|---|---|\n| Delete card | PASS |\n';

test('the summary is appended after what earlier steps wrote, on a paragraph of its own, and each run adds its own', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'step-summary-'));
  const file = path.join(dir, 'step_summary.md');
  writeFileSync(file, '## Build\n\nbuilt in 3 s');
  expect(appendStepSummary(SUMMARY, { GITHUB_STEP_SUMMARY: file })).toEqual({ file });
  expect(readFileSync(file, 'utf8')).toBe(`## Build\n\nbuilt in 3 s\n\n${SUMMARY}`);
  expect(appendStepSummary('# Go-live verdict: NOT READY', { GITHUB_STEP_SUMMARY: file })).toEqual({ file });
  expect(readFileSync(file, 'utf8')).toBe(`## Build\n\nbuilt in 3 s\n\n${SUMMARY}\n# Go-live verdict: NOT READY\n`);
});

test('a summary file not there yet is started; with the variable unset or blank nothing is written', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'step-summary-'));
  const file = path.join(dir, 'step_summary.md');
  expect(appendStepSummary(SUMMARY, {})).toBeUndefined();
  expect(appendStepSummary(SUMMARY, { GITHUB_STEP_SUMMARY: '  ' })).toBeUndefined();
  expect(existsSync(file)).toBe(false);
  expect(appendStepSummary(SUMMARY, { GITHUB_STEP_SUMMARY: file })).toEqual({ file });
  expect(readFileSync(file, 'utf8')).toBe(SUMMARY);
});

test('a summary file that cannot be written is one line saying which and why, not an exception', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'step-summary-'));
  for (const file of [dir, path.join(dir, 'missing', 'step_summary.md')]) {
    const outcome = appendStepSummary(SUMMARY, { GITHUB_STEP_SUMMARY: file });
    expect(outcome).toEqual({ problem: expect.stringContaining(`GITHUB_STEP_SUMMARY (${file})`) as unknown });
    expect(outcome && 'problem' in outcome ? outcome.problem : '').not.toContain('\n');
  }
});
