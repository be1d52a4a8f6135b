/**
 * A target that stays unavailable is not a failed rule: its tests end "not run", a row judged only by them is NOT
 * TESTED, and the run is INCONCLUSIVE (exit code 3, never READY) with every report written and the reasons saying
 * which target failed how.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { certificationEvidenceIn, certifyEndToEnd } from './suite-runner.js';
import { freePort } from './external-mocks.js';

test('a D1 whose connections are refused leaves the run INCONCLUSIVE with exit code 3, every report written', async () => {
  test.setTimeout(300_000);
  const work = mkdtempSync(path.join(tmpdir(), 'unavailable-d1-'));
  const keyFile = path.join(work, 'issuer-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  // A port nothing listens on: every connection is refused.
  const closed = await freePort();
  const run = await certifyEndToEnd(
    {
      SEED: '5',
      D1_BASE_URL: `http://127.0.0.1:${closed}/banking`,
      D1_AUTH_URL: `http://127.0.0.1:${closed}/authz/v1`,
      D1_ISSUER_ID: 'TESTBANK01',
      D1_KEY_ID: 'suite-key-1',
      D1_PRIVATE_KEY: keyFile,
      D1_CARD_PRODUCT_ID: 'prd_debit_classic',
      CERTIFY_MAX_TRIES: '2',
    },
    ['suites/d1/consumer-life-cycle.spec.ts', 'suites/d1/token-endpoint.spec.ts', 'suites/issuer/'],
    'unavailable-d1-',
  );
  const { summary, schemaErrors, missing } = certificationEvidenceIn(run.reportsDir);
  expect(run.code, `${run.stdout.slice(-1500)}\n${run.stderr.slice(-800)}`).toBe(3);
  expect(schemaErrors).toBe('');
  expect(missing).toEqual([]);
  expect(summary?.verdict).toBe('INCONCLUSIVE');
  expect(summary?.failures).toEqual([]);
  expect(summary?.unavailableTargets.map((u) => u.target)).toEqual(['d1']);
  expect(summary?.unavailableTargets[0]?.faults).toMatchObject({ 'refused (ECONNREFUSED)': expect.any(Number) });
  expect(summary?.reasons.join('\n')).toMatch(/inconclusive: d1 could not answer \d+ tests \(refused \(ECONNREFUSED\)/);
  // The bank's own rows were judged on their evidence, untouched by D1's absence.
  expect(summary?.apis.find((a) => a.id === 'issuer-notify-card')?.verdict).toBe('PASS');
  expect(run.stdout).toContain('certify: INCONCLUSIVE');
});
