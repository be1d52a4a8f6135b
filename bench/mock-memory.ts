import { generateKeyPairSync } from 'node:crypto';
import { runHttpLoad } from './http-load.js';
import { startIsolatedServer } from './isolated-server.js';
import { BENCH_ISSUER_ID, BENCH_KEY_ID, expectAccepted, prepareOptOuts } from './opt-out-requests.js';
import type { MockMemoryFigures } from './results.js';

const MIB = 1024 * 1024;

/**
 * A fresh mock D1, alone in its process, serves `requests` authenticated card opt-outs from `connections` clients;
 * then its memory is read as it stands (RSS, heap used) and after a full garbage collection. Every opt-out adds an
 * operation record the mock keeps, as D1 would, so the figure includes that state.
 */
export async function measureMockMemory(requests: number, connections: number): Promise<MockMemoryFigures> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const mockD1 = await startIsolatedServer({
    kind: 'mock-d1',
    issuerId: BENCH_ISSUER_ID,
    kid: BENCH_KEY_ID,
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  try {
    const optOuts = await prepareOptOuts(mockD1.url, keys.privateKey, 20);
    await expectAccepted(mockD1.url, optOuts.mockD1[0], 'the mock D1');
    const atStart = await mockD1.memory(false);
    const load = await runHttpLoad({ url: mockD1.url, connections, amount: requests, requests: optOuts.mockD1 });
    const asItStands = await mockD1.memory(false);
    const collected = await mockD1.memory(true);
    return {
      rssAtStartMiB: atStart.rssBytes / MIB,
      requests: load.requests,
      rssMiB: asItStands.rssBytes / MIB,
      heapUsedMiB: asItStands.heapUsedBytes / MIB,
      heapUsedAfterGcMiB: collected.heapUsedBytes / MIB,
      requestsPerSecond: load.requestsPerSecond,
      non2xx: load.non2xx,
      errors: load.errors,
    };
  } finally {
    await mockD1.stop();
  }
}
