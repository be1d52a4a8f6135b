import { generateKeyPairSync } from 'node:crypto';
import { D1Client } from '../lib/d1-client.js';
import { DEFAULT_ISSUER_ID } from '../mocks/issuer/index.js';
import { ReferenceClient } from '../mocks/issuer/reference-client.js';
import { startObserver, writeObservationEvidence } from './index.js';

/**
 * The reference pair's client half: the reference client drives the whole plan through a recording observer, so
 * that the rows the issuer calls are judged from observed calls, as a bank's are.
 */
export async function observeReferenceClient(reportsDir: string, applicable: ReadonlySet<string>): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const observer = await startObserver({
    issuerId: DEFAULT_ISSUER_ID,
    keys: [{ kid: 'reference-client-1', publicKey }],
    limits: { followUpGraceSeconds: 0 },
    mock: { operationDelayMs: 5 },
  });
  try {
    const client = new ReferenceClient(new D1Client({ bankingUrl: observer.bankingUrl, authUrl: observer.authUrl, issuerId: DEFAULT_ISSUER_ID, keyId: 'reference-client-1', privateKey }));
    const { refused } = await client.runPlan(observer.mockD1?.cardDataJwk ?? {});
    // The reference pair conforms: a refusal here is a bug of the pair, and its evidence shows which call.
    if (refused.length > 0) process.stderr.write(`certify: D1 refused steps of the reference client: ${refused.join('; ')}\n`);
  } finally {
    const evidence = await observer.stop();
    writeObservationEvidence(evidence, reportsDir, applicable);
    process.stdout.write(`certify: the reference client drove the certification plan: ${evidence.exchangeCount} calls observed\n`);
  }
}
