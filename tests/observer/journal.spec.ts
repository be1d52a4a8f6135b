/**
 * The observation's journal: a session killed with SIGKILL at any point resumes from it, and the verdict rebuilt from
 * it is the verdict of the same calls observed without a crash; nothing in it is a secret or a personal value in clear.
 */
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { D1Client, type CallParts } from '../../lib/d1-client.js';
import { onExchange, type HttpResponse } from '../../lib/http/client.js';
import { startMockD1, type RunningMockD1 } from '../../mocks/d1/index.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';
import { JOURNAL_FILE, judgeJournals, startObserver } from '../../observer/index.js';
import type { CertificationResults } from '../../reporters/certification.js';
import { ruleOutcomes } from '../../reporters/compliance-summary.js';
import type { OperationId } from '../../gen/operations.js';
import { occupyPort, spawnCommand, type CommandProcess } from '../mocks/cli-process.js';
import { ISSUER_ID, KEY_ID, expect, test, OBSERVE_CLEAN_ENV } from './observer-fixtures.js';

const SCRIPT = 'scripts/observe.ts';

/** A D1 client that waits, before each call, for whatever the test has to do between two calls. */
class GatedD1Client extends D1Client {
  calls = 0;
  between: (calls: number) => Promise<void> = () => Promise.resolve();

  override async call(operationId: OperationId, parts: CallParts = {}): Promise<HttpResponse> {
    await this.between(this.calls);
    this.calls += 1;
    return super.call(operationId, parts);
  }
}

const upstreamD1 = (publicKey: ReturnType<typeof generateKeyPairSync>['publicKey']): Promise<RunningMockD1> =>
  startMockD1({
    issuers: [{ issuerId: ISSUER_ID, keys: [{ kid: KEY_ID, publicKey }] }],
    operationDelayMs: 10,
    acceptInferredDepartures: true,
  });

const freePort = async (): Promise<number> => {
  const server = await occupyPort();
  const { port } = server;
  await server.stop();
  return port;
};

test('an observer killed with SIGKILL at random points resumes from its journal; its verdict is an uninterrupted run’s', async () => {
  test.setTimeout(180_000);
  const seed = Number(process.env.SEED ?? randomInt(2 ** 31));
  // Printed, so that a failure is replayed with SEED=<seed>.
  test.info().annotations.push({ type: 'seed', description: String(seed) });
  let state = seed;
  const next = (bound: number): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % bound;
  };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dir = mkdtempSync(path.join(tmpdir(), 'observer-kill-'));
  const jwks = path.join(dir, 'issuer.jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KEY_ID }] }));

  // The interrupted run: an observer command in front of a D1 that outlives it, killed between calls, resumed each time.
  const killedD1 = await upstreamD1(publicKey);
  const reports = path.join(dir, 'reports');
  const port = await freePort();
  const args = ['--upstream', killedD1.bankingUrl, '--upstream-auth', killedD1.authUrl, '--issuer-id', ISSUER_ID];
  const common = ['--public-key', jwks, '--port', String(port), '--follow-up-grace', '0', '--quiet'];
  let observer: CommandProcess = spawnCommand(SCRIPT, [...args, ...common, '--output', reports], OBSERVE_CLEAN_ENV);
  await observer.firstLine;
  const killAt = new Set([2 + next(8), 12 + next(10), 25 + next(10)]);
  const completedAtKill: number[] = [];
  const client = new GatedD1Client({
    bankingUrl: `http://127.0.0.1:${port}/banking`,
    authUrl: `http://127.0.0.1:${port}/authz/v1`,
    issuerId: ISSUER_ID,
    keyId: KEY_ID,
    privateKey,
  });
  client.between = async (calls) => {
    if (!killAt.has(calls)) return;
    completedAtKill.push(calls);
    observer.child.kill('SIGKILL');
    expect(await observer.exited).toBe('SIGKILL');
    const journal = path.join(reports, 'observation', JOURNAL_FILE);
    expect(existsSync(journal), 'the journal outlives the observer').toBe(true);
    // Every call answered before the kill was journaled before its answer went back.
    expect(
      judgeJournals([{ dir: path.join(reports, 'observation') }], { limits: { followUpGraceSeconds: 0 } }).exchangeCount,
    ).toBeGreaterThanOrEqual(calls);
    observer = spawnCommand(SCRIPT, [...args, ...common, '--resume', reports], OBSERVE_CLEAN_ENV);
    await observer.firstLine;
  };
  // What the bank's side saw answered: every one of those calls must be in the rebuilt verdict.
  let answered = 0;
  const stopCounting = onExchange((exchange) => {
    if (exchange.response && new URL(exchange.request.url).port === String(port)) answered += 1;
  });
  const { refused } = await new ReferenceClient(client).runPlan(killedD1.cardDataJwk);
  stopCounting();
  expect(refused).toEqual([]);
  expect(completedAtKill).toEqual([...killAt].sort((a, b) => a - b));
  observer.child.kill('SIGINT');
  expect([0, 1]).toContain(await observer.exited);
  const resumed = JSON.parse(readFileSync(path.join(reports, 'observation', 'tests.json'), 'utf8')) as CertificationResults;
  const rebuilt = judgeJournals([{ dir: path.join(reports, 'observation') }], { limits: { followUpGraceSeconds: 0 } });
  expect(rebuilt.exchangeCount).toBe(answered);
  await killedD1.stop();

  // The same plan observed without a crash.
  const quietD1 = await upstreamD1(publicKey);
  const uninterrupted = await startObserver({
    issuerId: ISSUER_ID,
    keys: [{ kid: KEY_ID, publicKey }],
    upstream: { bankingUrl: quietD1.bankingUrl, authUrl: quietD1.authUrl },
    limits: { followUpGraceSeconds: 0 },
  });
  const quietClient = new GatedD1Client({
    bankingUrl: uninterrupted.bankingUrl,
    authUrl: uninterrupted.authUrl,
    issuerId: ISSUER_ID,
    keyId: KEY_ID,
    privateKey,
  });
  expect((await new ReferenceClient(quietClient).runPlan(quietD1.cardDataJwk)).refused).toEqual([]);
  const evidence = await uninterrupted.stop();
  await quietD1.stop();

  // The follow-ups poll until D1 is done, so the number of calls depends on timing; the verdict does not.
  expect(Object.fromEntries(ruleOutcomes(resumed.tests))).toEqual(Object.fromEntries(ruleOutcomes(evidence.certification.tests)));
  expect(resumed.documentedFailures).toBe(evidence.certification.documentedFailures);
  expect(resumed.inferredWarnings).toBe(evidence.certification.inferredWarnings);
  expect(resumed.passed).toBe(evidence.certification.passed);
});

test('a journal cut short inside its last line is read up to it; a journal that is not one, or another key, is a clear error', async ({
  observer,
  issuer,
}) => {
  await issuer.journey(observer.mockD1?.cardDataJwk ?? {});
  await observer.stop();
  const dir = path.dirname(observer.journal);
  const full = judgeJournals([{ dir }]);
  // A crash inside a write leaves a partial line: it never completed, so it is not read.
  writeFileSync(observer.journal, '{"t":"call","exchange":{"seq', { flag: 'a' });
  expect(judgeJournals([{ dir }]).exchangeCount).toBe(full.exchangeCount);
  expect(statSync(path.join(dir, 'journal.key')).mode & 0o077, 'the key is its owner’s alone').toBe(0);
  expect(() => judgeJournals([{ dir }], {}), 'judged with another key').not.toThrow();
  const other = mkdtempSync(path.join(tmpdir(), 'not-a-journal-'));
  writeFileSync(path.join(other, JOURNAL_FILE), 'hello\n');
  expect(() => judgeJournals([{ dir: other }])).toThrow(/line 1 is not a journal line/);
});
