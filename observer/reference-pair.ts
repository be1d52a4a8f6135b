import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { D1Client } from '../lib/d1-client.js';
import { DEFAULT_ISSUER_ID } from '../mocks/issuer/index.js';
import { ReferenceClient } from '../mocks/issuer/reference-client.js';
import { OBSERVATION_DIR, startObserver, writeObservationEvidence } from './index.js';
import { removeJournal } from './journal.js';

const REFERENCE_MARK = 'reference-client';

/**
 * The issuerId of a bank whose calls an earlier `npm run observe` recorded in the reports directory; undefined when
 * there is none, or when the observation there is the reference client's own.
 */
export function observedBankIn(reportsDir: string): string | undefined {
  const dir = path.join(reportsDir, OBSERVATION_DIR);
  if (!existsSync(path.join(dir, 'tests.json')) || existsSync(path.join(dir, REFERENCE_MARK))) return undefined;
  try {
    const summary = JSON.parse(readFileSync(path.join(dir, 'compliance-summary.json'), 'utf8')) as { subject?: { issuerId?: unknown } };
    return typeof summary.subject?.issuerId === 'string' ? summary.subject.issuerId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The reference pair's client half: the reference client drives the whole plan through a recording observer, so
 * that the rows the issuer calls are judged from observed calls, as a bank's are.
 */
export async function observeReferenceClient(reportsDir: string, applicable: ReadonlySet<string>): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // The reference client's observation is made anew each run, journal and all.
  const journalDir = path.join(reportsDir, OBSERVATION_DIR);
  removeJournal(journalDir);
  const observer = await startObserver({
    journalDir,
    issuerId: DEFAULT_ISSUER_ID,
    keys: [{ kid: 'reference-client-1', publicKey }],
    limits: { followUpGraceSeconds: 0 },
    mock: { operationDelayMs: 5 },
  });
  try {
    const client = new ReferenceClient(
      new D1Client({
        bankingUrl: observer.bankingUrl,
        authUrl: observer.authUrl,
        issuerId: DEFAULT_ISSUER_ID,
        keyId: 'reference-client-1',
        privateKey,
      }),
    );
    const { refused } = await client.runPlan(observer.mockD1?.cardDataJwk ?? {});
    // The reference pair conforms: a refusal here is a bug of the pair, and its evidence shows which call.
    if (refused.length > 0) process.stderr.write(`certify: D1 refused steps of the reference client: ${refused.join('; ')}\n`);
  } finally {
    const evidence = await observer.stop();
    writeObservationEvidence(evidence, reportsDir, applicable);
    writeFileSync(
      path.join(reportsDir, OBSERVATION_DIR, REFERENCE_MARK),
      'the reference client made this observation; certify makes it anew\n',
    );
    process.stdout.write(`certify: the reference client drove the certification plan: ${evidence.exchangeCount} calls observed\n`);
  }
}
