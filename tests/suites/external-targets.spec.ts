/**
 * Pointing the variables at separately started `npm run mock:d1` and `npm run mock:issuer` processes gives the same
 * results as the embedded run: the suites reach their targets only through the configured URLs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { send } from '../../lib/http/client.js';
import { startMockProcess, type MockProcess } from '../mocks/cli-process.js';
import { runSuites, type SuiteRun } from './suite-runner.js';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const outcomes = (run: SuiteRun): Record<string, string> =>
  Object.fromEntries(run.results.map((r) => [`${r.project} › ${r.title}`, r.outcome]));

test('the suites give the same results against the mocks started as commands as against the embedded ones', async () => {
  test.setTimeout(600_000);
  const work = mkdtempSync(path.join(tmpdir(), 'external-targets-'));
  const keyFile = path.join(work, 'issuer-key.pem');
  const sinkPort = await freePort();
  const sinkSecret = 'sink-secret-for-this-run';
  const issuerSecret = 'issuer-secret-for-this-run';
  const processes: MockProcess[] = [];
  try {
    const d1 = await startMockProcess(
      'mocks/d1/cli.ts',
      [
        '--port',
        '0',
        '--issuer-id',
        'TESTBANK01',
        '--kid',
        'suite-key-1',
        '--generate-key',
        keyFile,
        '--operation-delay',
        '20',
        '--issuer-url',
        `http://127.0.0.1:${sinkPort}`,
        '--issuer-auth-url',
        `http://127.0.0.1:${sinkPort}/authz/d1/v1`,
        '--issuer-client-id',
        'sink-client',
        '--quiet',
      ],
      { MOCK_D1_ISSUER_CLIENT_SECRET: sinkSecret },
    );
    processes.push(d1);
    const issuer = await startMockProcess('mocks/issuer/cli.ts', ['--port', '0', '--client-id', 'd1-notifier'], {
      ISSUER_CLIENT_SECRET: issuerSecret,
    });
    processes.push(issuer);
    const bankingUrl = /D1_BASE_URL=(\S+)/.exec(d1.banner)?.[1] ?? '';
    const authUrl = /D1_AUTH_URL=(\S+)/.exec(d1.banner)?.[1] ?? '';
    const issuerUrl = /ISSUER_BASE_URL=(\S+)/.exec(issuer.banner)?.[1] ?? '';
    const issuerAuthUrl = /ISSUER_AUTH_URL=(\S+)/.exec(issuer.banner)?.[1] ?? '';
    expect([bankingUrl, authUrl, issuerUrl, issuerAuthUrl].every(Boolean), `banners: ${d1.banner} / ${issuer.banner}`).toBe(true);
    const jwkFile = path.join(work, 'card-data-key.json');
    writeFileSync(jwkFile, (await send({ method: 'GET', url: `${new URL(bankingUrl).origin}/__mock/card-data-key` })).text);

    const external = await runSuites({
      env: {
        D1_BASE_URL: bankingUrl,
        D1_AUTH_URL: authUrl,
        D1_ISSUER_ID: 'TESTBANK01',
        D1_KEY_ID: 'suite-key-1',
        D1_PRIVATE_KEY: keyFile,
        D1_CARD_PRODUCT_ID: 'prd_debit_classic',
        D1_CARD_PRODUCT_ID_OTHER_SCHEME: 'prd_credit_gold',
        D1_REFUSED_CARD_PRODUCT_ID: 'prd_visa_refused',
        D1_CARD_DATA_KEY: jwkFile,
        NOTIFY_SINK_PORT: String(sinkPort),
        NOTIFY_SINK_CLIENT_ID: 'sink-client',
        NOTIFY_SINK_CLIENT_SECRET: sinkSecret,
        ISSUER_BASE_URL: issuerUrl,
        ISSUER_AUTH_URL: issuerAuthUrl,
        ISSUER_CLIENT_ID: 'd1-notifier',
        ISSUER_CLIENT_SECRET: issuerSecret,
        ISSUER_CONSUMER_ID: 'cns_known_0001',
        ISSUER_RESTRICTED_CONSUMER_ID: 'cns_restricted_0001',
      },
    });
    const embedded = await runSuites({ workers: 2 });
    expect(external.results.length, `external run stderr: ${external.stderr.slice(0, 800)}`).toBeGreaterThan(100);
    expect(outcomes(external)).toEqual(outcomes(embedded));
  } finally {
    for (const child of processes) await child.stop();
  }
});
