/**
 * Nothing secret or personal reaches what a certification writes: a run records every token, assertion, secret,
 * key, card number, name, email and phone number that crossed its HTTP layer (REDACTION_WITNESS_DIR), and none of
 * them may be found under its reports, its Playwright output or its console output.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { test, expect } from '@playwright/test';
import { runScript } from '../suites/suite-runner.js';
import { SecretScanner, readWitnessed } from './secret-scan.js';

test('the scanner finds a witnessed value as it is, escaped in JSON, encoded in a form and inside an archive', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'secret-scan-'));
  const secret = 'Zq9/x+Ana Lima@bank';
  writeFileSync(path.join(dir, 'plain.txt'), `before ${secret} after`);
  writeFileSync(path.join(dir, 'escaped.json'), JSON.stringify({ note: `"${secret}"\n` }));
  writeFileSync(path.join(dir, 'form.txt'), new URLSearchParams({ client_secret: secret }).toString());
  const zip = new AdmZip();
  zip.addFile('trace/test.trace', Buffer.from(`{"message":${JSON.stringify(secret)}}`));
  zip.writeZip(path.join(dir, 'trace.zip'));
  writeFileSync(path.join(dir, 'clean.txt'), 'Ana and Lima, apart, are not the value');
  const leaks = new SecretScanner([{ kind: 'name', value: secret }]).scanTree(dir);
  expect(leaks.map((l) => path.relative(dir, l.where)).sort()).toEqual([
    'escaped.json',
    'form.txt',
    'plain.txt',
    'trace.zip!trace/test.trace',
  ]);
  expect(JSON.stringify(leaks)).not.toContain(secret);
});

test('a certification with planted bugs writes no secret and no personal data anywhere', () => {
  test.setTimeout(300_000);
  const work = mkdtempSync(path.join(tmpdir(), 'redaction-sweep-'));
  const witnessDir = path.join(work, 'witness');
  const reports = path.join(work, 'reports');
  const output = path.join(work, 'test-results');
  mkdirSync(witnessDir);
  const run = runScript('certify', [`--output=${output}`], {
    REDACTION_WITNESS_DIR: witnessDir,
    CERTIFY_REPORTS_DIR: reports,
    // Failures put received values into messages, violation tables and the verdict: the places most likely to leak.
    MOCK_D1_FAULTS: 'enrol-name-length-unchecked',
    MOCK_ISSUER_FAULTS: 'consumer-language-pattern-broken',
    SEED: '9',
  });
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toContain('NOT READY');
  expect(existsSync(path.join(reports, 'allure-report', 'index.html'))).toBe(true);

  // The sweep proves something only if the run handled every kind of value it looks for.
  const witnessed = readWitnessed(witnessDir);
  const kinds = new Set(witnessed.map((w) => w.kind));
  for (const kind of [
    'access_token',
    'assertion',
    'client secret',
    'private key',
    'card number',
    'name',
    'email',
    'mobilePhoneNumber',
    'bearer credential',
    'basic credential',
  ]) {
    expect(kinds, `no ${kind} was witnessed`).toContain(kind);
  }
  console.log(`redaction sweep: ${witnessed.length} witnessed values of ${kinds.size} kinds`);

  const scanner = new SecretScanner(witnessed);
  // The observation's journal is written as calls arrive, before any report: the sweep of the reports covers it.
  expect(existsSync(path.join(reports, 'observation', 'journal.jsonl')), 'the reference client observation kept a journal').toBe(true);
  const leaks = [
    ...scanner.scanTree(reports),
    ...(existsSync(output) ? scanner.scanTree(output) : []),
    ...scanner.scanText('certify standard output', run.stdout),
    ...scanner.scanText('certify standard error', run.stderr),
  ];
  expect(leaks, 'values found where nothing secret or personal may be (kind and place; never the value)').toEqual([]);
  const files = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' });
  expect(
    files(reports).filter((f) => f.endsWith('-attachment.txt')).length,
    'the exchanges were attached, so they were swept',
  ).toBeGreaterThan(100);
  expect(existsSync(output) ? files(output).filter((f) => /trace/.test(f)) : [], 'a certification writes no Playwright trace').toEqual([]);
});

test('certify refuses --trace, whose traces would keep values unredacted', () => {
  const run = runScript('certify', ['--trace=on']);
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^configuration error: --trace is refused/);
});
