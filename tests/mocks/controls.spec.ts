/**
 * The two mocks' `/__mock/` controls answer alike, so that a developer (and the load test) can drive either the same
 * way: health 200 `{"status": "ok"}`, reset 204 without a body, a known control under another method 405 with Allow,
 * and a path that is no control 404.
 */
import { generateKeyPairSync } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { send } from '../../lib/http/client.js';
import { startMockD1 } from '../../mocks/d1/index.js';
import { startReferenceIssuer } from '../../mocks/issuer/index.js';

const mocks = {
  'mock D1': async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const d1 = await startMockD1({ issuers: [{ issuerId: 'TESTBANK01', keys: [{ kid: 'k1', publicKey }] }] });
    return { origin: d1.url, stop: () => d1.stop() };
  },
  'reference issuer': async () => {
    const issuer = await startReferenceIssuer({ clientSecret: 'controls-test-secret' });
    return { origin: issuer.url, stop: () => issuer.stop() };
  },
} as const;

for (const [name, start] of Object.entries(mocks)) {
  test(`the ${name}'s controls: health 200 ok, reset 204, wrong method 405, unknown control 404`, async () => {
    const { origin, stop } = await start();
    try {
      const health = await send({ method: 'GET', url: `${origin}/__mock/health` });
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ status: 'ok', faults: [], variants: [] });

      const reset = await send({ method: 'POST', url: `${origin}/__mock/reset` });
      expect([reset.status, reset.text]).toEqual([204, '']);

      const wrongMethod = await send({ method: 'GET', url: `${origin}/__mock/reset` });
      expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);

      const unknown = await send({ method: 'GET', url: `${origin}/__mock/no-such-control` });
      expect(unknown.status).toBe(404);
      expect(unknown.text).toContain('no mock control at this path');
    } finally {
      await stop();
    }
  });
}
