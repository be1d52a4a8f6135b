/**
 * A backend deployed elsewhere reaches the observer over HTTPS on the address it was told to listen on (here
 * 127.0.0.2, standing for an interface: tests bind loopback addresses only), and runs the whole plan through it, in
 * recording and in proxy mode. There, nothing but D1's API answers without the control token.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { Agent } from 'undici';
import { D1Client } from '../../lib/d1-client.js';
import { send, type HttpResponse } from '../../lib/http/client.js';
import { startMockD1 } from '../../mocks/d1/index.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';
import { startObserver } from '../../observer/index.js';
import { spawnCommand } from '../mocks/cli-process.js';
import { ISSUER_ID, KEY_ID, expect, test, OBSERVE_CLEAN_ENV } from './observer-fixtures.js';
import { haveOpenssl, makeTlsMaterial } from './tls-front.js';

const HOST = '127.0.0.2';

test.skip(!haveOpenssl, 'openssl makes the test certificates');

/** The controls and the live view, asked with and without the token: only D1's API is open without it. */
async function expectControlsGuarded(origin: string, token: string, trust: Agent): Promise<void> {
  const get = (pathAndQuery: string, headers: Record<string, string> = {}): Promise<HttpResponse> =>
    send({ method: 'GET', url: `${origin}${pathAndQuery}`, headers, dispatcher: trust });
  for (const where of ['/__mock/card-data-key', '/__observer/live', '/__observer/live.json']) {
    const refused = await get(where);
    expect(refused.status, where).toBe(401);
    expect(refused.json, where).toMatchObject({ errorCode: 'CONTROL_TOKEN_REQUIRED' });
    expect((await get(where, { 'x-observer-token': 'not-the-token-at-all' })).status, where).toBe(401);
  }
  expect((await get('/__observer/live.json', { authorization: `Bearer ${token}` })).status).toBe(200);
  const page = await get(`/__observer/live?token=${encodeURIComponent(token)}`);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
}

test('recording over HTTPS on another address: the whole plan runs, and the controls ask for the printed token', async () => {
  test.setTimeout(90_000);
  const tls = makeTlsMaterial(HOST);
  const dir = mkdtempSync(path.join(tmpdir(), 'observer-reach-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files = { jwks: path.join(dir, 'issuer.jwks.json'), cert: path.join(dir, 'observer.crt'), key: path.join(dir, 'observer.key') };
  writeFileSync(files.jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KEY_ID }] }));
  writeFileSync(files.cert, tls.serverCert);
  writeFileSync(files.key, tls.serverKey, { mode: 0o600 });
  const observer = spawnCommand(
    'scripts/observe.ts',
    [
      ...['--host', HOST, '--tls-cert', files.cert, '--tls-key', files.key, '--issuer-id', ISSUER_ID, '--public-key', files.jwks],
      ...['--follow-up-grace', '0', '--output', path.join(dir, 'reports'), '--quiet'],
    ],
    OBSERVE_CLEAN_ENV,
  );
  const banner = await observer.firstLine;
  const bankingUrl = /D1_BASE_URL=(\S+)/.exec(banner)?.[1] ?? '';
  const authUrl = /D1_AUTH_URL=(\S+)/.exec(banner)?.[1] ?? '';
  expect(bankingUrl).toMatch(/^https:\/\/127\.0\.0\.2:\d+\/banking$/);
  await expect.poll(() => observer.stdout.join('\n')).toMatch(/observer: controls and live view token \S+/);
  const token = /observer: controls and live view token (\S+)/.exec(observer.stdout.join('\n'))?.[1] ?? '';
  expect(observer.stdout.join('\n')).toContain(`/__observer/live?token=${encodeURIComponent(token)}`);
  const trust = new Agent({ connect: { ca: tls.ca } });
  try {
    const origin = new URL(bankingUrl).origin;
    await expectControlsGuarded(origin, token, trust);
    const cardDataJwk = (
      await send({ method: 'GET', url: `${origin}/__mock/card-data-key`, headers: { 'x-observer-token': token }, dispatcher: trust })
    ).json as JWK;
    const bank = new ReferenceClient(
      new D1Client({ bankingUrl, authUrl, issuerId: ISSUER_ID, keyId: KEY_ID, privateKey, tls: { ca: tls.ca } }),
    );
    expect((await bank.runPlan(cardDataJwk)).refused).toEqual([]);
  } finally {
    observer.child.kill('SIGINT');
    await trust.close();
  }
  expect(await observer.exited, observer.stderr.join('\n')).toBe(0);
  expect(observer.stdout.join('\n')).toMatch(/observer: \d+ passed, 0 failed on documented or security rules/);
});

test('proxy over HTTPS on another address: the whole plan runs in front of D1, and the controls ask for the token', async () => {
  test.setTimeout(90_000);
  const tls = makeTlsMaterial(HOST);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const d1 = await startMockD1({ issuers: [{ issuerId: ISSUER_ID, keys: [{ kid: KEY_ID, publicKey }] }], operationDelayMs: 10 });
  const observer = await startObserver({
    issuerId: ISSUER_ID,
    keys: [{ kid: KEY_ID, publicKey }],
    upstream: { bankingUrl: d1.bankingUrl, authUrl: d1.authUrl },
    host: HOST,
    tls: { cert: tls.serverCert, key: tls.serverKey },
    limits: { followUpGraceSeconds: 0 },
  });
  const trust = new Agent({ connect: { ca: tls.ca } });
  try {
    expect(observer.bankingUrl).toMatch(/^https:\/\/127\.0\.0\.2:\d+\/banking$/);
    expect(observer.controlToken, 'a token is made for an observer away from 127.0.0.1').toMatch(/^\S{16,}$/);
    await expectControlsGuarded(observer.url, observer.controlToken ?? '', trust);
    const bank = new ReferenceClient(
      new D1Client({
        bankingUrl: observer.bankingUrl,
        authUrl: observer.authUrl,
        issuerId: ISSUER_ID,
        keyId: KEY_ID,
        privateKey,
        tls: { ca: tls.ca },
      }),
    );
    expect((await bank.runPlan(d1.cardDataJwk)).refused).toEqual([]);
    const evidence = await observer.stop();
    expect(evidence.certification.documentedFailures).toBe(0);
    expect(evidence.exchangeCount).toBeGreaterThan(30);
  } finally {
    await observer.stop();
    await trust.close();
    await d1.stop();
  }
});

test('on 127.0.0.1 the controls need no token unless one is given; given, they ask for it', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const open = await startObserver({ issuerId: ISSUER_ID, keys: [{ kid: KEY_ID, publicKey }] });
  try {
    expect(open.controlToken).toBeUndefined();
    expect((await send({ method: 'GET', url: `${open.url}/__mock/card-data-key` })).status).toBe(200);
  } finally {
    await open.stop();
  }
  const guarded = await startObserver({
    issuerId: ISSUER_ID,
    keys: [{ kid: KEY_ID, publicKey }],
    controlToken: 'a-token-given-by-the-bank',
  });
  try {
    expect((await send({ method: 'GET', url: `${guarded.url}/__mock/card-data-key` })).status).toBe(401);
    expect(
      (
        await send({
          method: 'GET',
          url: `${guarded.url}/__mock/card-data-key`,
          headers: { 'x-observer-token': 'a-token-given-by-the-bank' },
        })
      ).status,
    ).toBe(200);
  } finally {
    await guarded.stop();
  }
});
