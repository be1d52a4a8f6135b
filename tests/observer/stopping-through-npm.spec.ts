/**
 * `npm run observe` ended the way a CI script ends it: a signal to the npm process, not to the observer. Whichever
 * process gets the signal, the observation ends and writes its evidence, and no observer is left running orphaned.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CertificationResults } from '../../reporters/certification.js';
import { spawnNpmScript } from '../mocks/cli-process.js';
import { ISSUER_ID, KEY_ID, expect, test } from './observer-fixtures.js';

/** The ids of the processes whose command line names this text (the run's own output directory). */
function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        // The process ended while the list was read.
        return false;
      }
    })
    .map(Number);
}

test.skip(process.platform !== 'linux', 'reads the process table from /proc');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} sent to the npm process ends the observation: the evidence is written and no observer is left running`, async () => {
    test.setTimeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'observe-npm-'));
    const jwks = path.join(dir, 'issuer.jwks.json');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KEY_ID }] }));
    const output = path.join(dir, 'reports');
    const {
      npm,
      output: stdout,
      exited: npmExited,
    } = spawnNpmScript('observe', ['--issuer-id', ISSUER_ID, '--public-key', jwks, '--output', output, '--quiet'], {
      D1_ISSUER_ID: '',
      D1_KEY_ID: '',
      D1_PRIVATE_KEY: '',
      CERTIFY_REPORTS_DIR: '',
    });
    try {
      await expect.poll(stdout, { timeout: 30_000 }).toContain('D1_BASE_URL=');
      expect(processesNaming(output).length, 'the observer runs under npm').toBeGreaterThan(0);

      expect(npm.kill(signal)).toBe(true);
      // Bounded, so that a hung npm fails the assertions below (and is cleaned up) rather than the test's time.
      await Promise.race([npmExited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      expect(npm.exitCode ?? npm.signalCode, 'npm has ended').not.toBeNull();
      await expect.poll(() => processesNaming(output), { timeout: 20_000, message: 'no observer process left' }).toEqual([]);

      expect(stdout()).toMatch(/observer: stopping \((SIGTERM|SIGINT|its parent process ended)\)/);
      const results = JSON.parse(readFileSync(path.join(output, 'observation', 'tests.json'), 'utf8')) as CertificationResults;
      expect(results.tests.length, 'every observed rule has its result').toBeGreaterThan(0);
      expect(readFileSync(path.join(output, 'observation', 'compliance-summary.md'), 'utf8')).toMatch(/\S/);
      expect(existsSync(path.join(output, 'allure-results'))).toBe(true);
    } finally {
      // A failed run must not leave its processes behind for the next test.
      for (const pid of processesNaming(output)) process.kill(pid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    }
  });
}
