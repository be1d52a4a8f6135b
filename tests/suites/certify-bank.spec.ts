/**
 * `npm run certify` against a bank: the reference issuer started as a command stands for the bank's endpoints, and
 * the reference client, driven from here, for its backend calling D1 through `certify --observe`, the way a bank's
 * own integration tests would in its CI. The verdict must come from the bank's evidence: its endpoints judged by the
 * suite, its calls judged by the observation, security findings failing whatever the documents leave open.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { apis } from '../../gen/catalogue.js';
import type { OperationId } from '../../gen/operations.js';
import { D1Client } from '../../lib/d1-client.js';
import { send } from '../../lib/http/client.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';
import { startMockD1 } from '../../mocks/d1/index.js';
import { startObserver } from '../../observer/index.js';
import { startShapingProxy, type RunningShapingProxy, type ShapingProfile } from '../../mocks/network/shaping-proxy.js';
import type { ComplianceSummary } from '../../reporters/compliance-summary.js';
import { spawnCommand, spawnNpmScript, startMockProcess, type MockProcess } from '../mocks/cli-process.js';
import { environmentWithoutTargets } from './suite-runner.js';

// Each case runs certify (the bank's suites only) beside its own reference issuer; two at a time fit two cores.
test.describe.configure({ mode: 'parallel', timeout: 240_000 });

const KID = 'bank-key-1';
const SECRET = 'bank-notifier-secret-0001';

interface BankRun {
  readonly code: number | string;
  readonly stdout: string;
  readonly summary: ComplianceSummary;
}

interface BankOptions {
  /** Planted bugs of the reference issuer standing for the bank's endpoints. */
  readonly faults?: readonly string[];
  /** A gateway in front of the bank's endpoints, shaped like this. */
  readonly gateway?: ShapingProfile;
  /** More of certify's variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Observe the bank's calls, driven by the reference client with these choices. */
  readonly client?: { readonly skip?: readonly OperationId[]; readonly cardholderName?: string };
}

interface Bank {
  /** The bank's endpoints: the reference issuer as a command. */
  readonly issuer: MockProcess;
  /** What certify needs to certify it: the endpoints, their credentials and the public key of its assertions. */
  readonly env: Record<string, string>;
  readonly privateKey: KeyObject;
  readonly work: string;
  /** The gateway in front of the endpoints, when there is one; the caller closes it. */
  readonly gateway: RunningShapingProxy | undefined;
}

/** Starts the bank's endpoints, behind a gateway when one is given, and says how certify reaches them; the caller stops them. */
async function startBank(faults: readonly string[] = [], gatewayProfile?: ShapingProfile): Promise<Bank> {
  const work = mkdtempSync(path.join(tmpdir(), 'certify-bank-'));
  const issuer = await startMockProcess(
    'mocks/issuer/cli.ts',
    ['--port', '0', '--client-id', 'd1-notifier', ...faults.flatMap((f) => ['--fault', f])],
    {
      ISSUER_CLIENT_SECRET: SECRET,
    },
  );
  const baseUrl = /ISSUER_BASE_URL=(\S+)/.exec(issuer.banner)?.[1] ?? '';
  const authUrl = /ISSUER_AUTH_URL=(\S+)/.exec(issuer.banner)?.[1] ?? '';
  const gateway = gatewayProfile ? await startShapingProxy({ upstream: new URL(baseUrl).origin, profile: gatewayProfile }) : undefined;
  const through = (url: string): string => (gateway ? `${gateway.url}${new URL(url).pathname}` : url);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyFile = path.join(work, 'bank-public-key.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const env = {
    ...environmentWithoutTargets(),
    SEED: '11',
    CERTIFY_REPORTS_DIR: path.join(work, 'reports'),
    ISSUER_BASE_URL: through(baseUrl),
    ISSUER_AUTH_URL: through(authUrl),
    ISSUER_CLIENT_ID: 'd1-notifier',
    ISSUER_CLIENT_SECRET: SECRET,
    ISSUER_CONSUMER_ID: 'cns_known_0001',
    ISSUER_RESTRICTED_CONSUMER_ID: 'cns_restricted_0001',
    CERTIFY_OBSERVE_PUBLIC_KEY: publicKeyFile,
    CERTIFY_OBSERVE_KID: KID,
  };
  return { issuer, env, privateKey, work, gateway };
}

/** Starts the bank's endpoints, certifies them (and its calls, when a client is given), and reads the summary. */
async function certifyBank(options: BankOptions): Promise<BankRun> {
  const bank = await startBank(options.faults, options.gateway);
  try {
    const args = ['--skip-d1-environment', ...(options.client ? ['--observe', '--observe-timeout=600'] : [])];
    const certify = spawnCommand('scripts/certify.ts', args, { ...bank.env, ...options.env }, 60_000);
    if (options.client) await driveThePlan(certify, bank.privateKey, options.client);
    const code = await certify.exited;
    const summary = JSON.parse(readFileSync(path.join(bank.work, 'reports', 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
    return { code, stdout: certify.stdout.join('\n'), summary };
  } finally {
    await bank.gateway?.close();
    await bank.issuer.stop();
  }
}

/** Waits for certify to say where the observer listens, then runs the bank's backend through it. */
async function driveThePlan(
  certify: ReturnType<typeof spawnCommand>,
  privateKey: KeyObject,
  choices: NonNullable<BankOptions['client']>,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  let urls: RegExpExecArray | null = null;
  while (!urls && Date.now() < deadline) {
    urls = /D1_BASE_URL=(\S+) D1_AUTH_URL=(\S+)/.exec(certify.stdout.join('\n'));
    if (!urls) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const [, bankingUrl = '', authUrl = ''] = urls ?? [];
  expect(bankingUrl, `certify printed the observer's URLs: ${certify.stdout.join(' | ')} ${certify.stderr.join(' | ')}`).not.toBe('');
  const cardDataJwk = (await send({ method: 'GET', url: `${new URL(bankingUrl).origin}/__mock/card-data-key` })).json as Record<
    string,
    unknown
  >;
  const client = new ReferenceClient(new D1Client({ bankingUrl, authUrl, issuerId: 'TESTBANK01', keyId: KID, privateKey }));
  await client.runPlan(cardDataJwk, choices);
  // A plan left incomplete ends the observation the way a CI script does: with a signal to certify. A complete one must
  // get none: once the observation has ended, a signal stops the suites. The observer looks at its calls every second.
  const complete = (): boolean => /the certification plan is complete|plan: covered .* \((\d+)\/\1\)/.test(certify.stdout.join('\n'));
  for (let look = 0; look < 20 && !complete(); look++) await new Promise((resolve) => setTimeout(resolve, 250));
  if (!complete()) certify.child.kill('SIGTERM');
}

const row = (summary: ComplianceSummary, id: string): ComplianceSummary['apis'][number] | undefined =>
  summary.apis.find((r) => r.id === id);
const bankCalls = apis.filter((a) => a.direction === 'issuer-to-d1');
const bankHosts = apis.filter((a) => a.direction === 'd1-to-issuer');

test(
  "the bank's endpoints alone are NOT READY: every row it calls is NOT TESTED " + 'and the message names the missing observation',
  async () => {
    const run = await certifyBank({});
    expect(run.code).toBe(1);
    expect(run.summary.verdict).toBe('NOT READY');
    expect(run.summary.subject).toMatchObject({ kind: 'bank', issuerId: 'TESTBANK01' });
    for (const api of bankCalls) expect(row(run.summary, api.id), api.id).toMatchObject({ verdict: 'NOT TESTED', evidence: 'none' });
    for (const api of bankHosts) expect(row(run.summary, api.id), api.id).toMatchObject({ verdict: 'PASS', evidence: 'suite' });
    expect(run.stdout).toMatch(/no observed call of the bank's for: Get authorization token, Create card or Register card/);
    expect(run.summary.d1Environment.status).toBe('NOT RUN');
  },
);

test("a bank whose gateway answers 503 for good: its endpoints' rows are NOT TESTED and the run INCONCLUSIVE (exit code 3)", async () => {
  const run = await certifyBank({
    client: {},
    gateway: { down: true, retryAfterSeconds: 1 },
    env: { CERTIFY_MAX_TRIES: '2', CERTIFY_TEST_RESTARTS: '1' },
  });
  expect(run.code, run.stdout.slice(-1500)).toBe(3);
  expect(run.summary.verdict).toBe('INCONCLUSIVE');
  for (const api of bankHosts) {
    expect(row(run.summary, api.id), api.id).toMatchObject({ verdict: 'NOT TESTED', evidence: 'none', failed: 0 });
    expect(row(run.summary, api.id)?.unavailable, api.id).toBeGreaterThan(0);
  }
  // Its calls to D1 were observed through the observer, which the gateway does not stand in front of.
  for (const api of bankCalls.filter((a) => a.category === 'mandatory')) expect(row(run.summary, api.id)?.verdict, api.id).toBe('PASS');
  expect(run.summary.failures).toEqual([]);
  expect(run.summary.securityFindings).toEqual([]);
  // The first requests met the 503s; the ones after them found the target down and were not tried.
  expect(run.summary.unavailableTargets).toEqual([
    {
      target: 'issuer',
      tests: run.summary.totals.unavailable,
      faults: { '503 (Retry-After 1 s)': expect.any(Number) as unknown, 'target down': expect.any(Number) as unknown },
    },
  ]);
  expect(run.summary.reasons).toEqual([
    expect.stringMatching(/^inconclusive: issuer could not answer \d+ tests \(503 \(Retry-After 1 s\)/),
  ]);
  expect(run.stdout).toContain('# Go-live verdict: INCONCLUSIVE');
});

test('the endpoints and the observation of a client that runs the whole plan are READY, in one command', async () => {
  const run = await certifyBank({ client: {} });
  expect(run.summary.reasons).toEqual([]);
  expect(run.summary.verdict).toBe('READY');
  expect(run.code).toBe(0);
  for (const api of bankCalls.filter((a) => a.category !== 'optional'))
    expect(row(run.summary, api.id), api.id).toMatchObject({ evidence: 'observation', verdict: 'PASS' });
  expect(run.stdout).toContain('the certification plan is complete');
  expect(run.summary.subject.calls).toMatch(/^observed: \d+ calls/);
});

test('two backend instances, each behind an observer of its own, merge into one observation: with the endpoints, READY', async () => {
  const bank = await startBank();
  try {
    const publicKey = createPublicKey(bank.privateKey);
    const d1 = await startMockD1({ issuers: [{ issuerId: 'TESTBANK01', keys: [{ kid: KID, publicKey }] }], operationDelayMs: 10 });
    const journalKey = 'shared-journal-key-for-both-instances';
    const observers = await Promise.all(
      ['instance-a', 'instance-b'].map((name) =>
        startObserver({
          issuerId: 'TESTBANK01',
          keys: [{ kid: KID, publicKey }],
          upstream: { bankingUrl: d1.bankingUrl, authUrl: d1.authUrl },
          journalDir: path.join(bank.work, name, 'observation'),
          journalKey,
          limits: { followUpGraceSeconds: 0 },
        }),
      ),
    );
    // Each instance has a client, and a token, of its own; they work at the same time on the same D1.
    const [a, b] = observers.map(
      (observer) =>
        new ReferenceClient(
          new D1Client({
            bankingUrl: observer.bankingUrl,
            authUrl: observer.authUrl,
            issuerId: 'TESTBANK01',
            keyId: KID,
            privateKey: bank.privateKey,
          }),
        ),
    );
    if (!a || !b) throw new Error('two clients');
    const [plan] = await Promise.all([a.runPlan(d1.cardDataJwk), b.journey(d1.cardDataJwk)]);
    expect(plan.refused).toEqual([]);
    for (const observer of observers) await observer.stop();
    await d1.stop();

    const reports = path.join(bank.work, 'reports');
    const merge = spawnCommand(
      'scripts/certify-merge.ts',
      ['--observation', path.join(bank.work, 'instance-a'), '--observation', path.join(bank.work, 'instance-b'), '--output', reports],
      { ...bank.env, OBSERVER_JOURNAL_KEY: journalKey },
      60_000,
    );
    expect(await merge.exited, merge.stderr.join('\n')).toBe(0);
    expect(merge.stdout.join('\n')).toMatch(/2 observations merged, \d+ calls: \d+ passed, 0 failed on documented or security rules/);
    const observed = JSON.parse(readFileSync(path.join(reports, 'observation', 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
    expect(observed.subject.calls).toMatch(/from 2 backend instances/);
    expect(observed.failures).toEqual([]);
    expect(observed.warnings.map((w) => w.ruleId)).not.toContain('D1-TOKEN-REUSE');

    const certify = spawnCommand('scripts/certify.ts', ['--skip-d1-environment'], bank.env, 60_000);
    const code = await certify.exited;
    const summary = JSON.parse(readFileSync(path.join(reports, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
    expect(summary.reasons).toEqual([]);
    expect(summary.verdict).toBe('READY');
    expect(code).toBe(0);
    for (const api of bankCalls.filter((x) => x.category !== 'optional'))
      expect(row(summary, api.id), api.id).toMatchObject({ evidence: 'observation', verdict: 'PASS' });
  } finally {
    await bank.issuer.stop();
  }
});

test('a client that skips enrolment is NOT READY, with the enrol row NOT TESTED', async () => {
  const run = await certifyBank({ client: { skip: ['clickToPayEnrol'] } });
  expect(run.code).toBe(1);
  expect(row(run.summary, 'ctp-enrol')).toMatchObject({ verdict: 'NOT TESTED', evidence: 'none' });
  expect(run.summary.reasons.join('\n')).toContain('Click to Pay enrol');
});

test('a client sending a 27-character cardholder name fails the enrol row under the name-length rule', async () => {
  const run = await certifyBank({ client: { cardholderName: 'Margarita Okafor-Fitzgerald' } });
  expect('Margarita Okafor-Fitzgerald').toHaveLength(27);
  expect(run.code).toBe(1);
  expect(row(run.summary, 'ctp-enrol')?.verdict).toBe('FAIL');
  expect(row(run.summary, 'ctp-enrol')?.failedRules).toContain('CTP-ENROL-NAME-LENGTH');
});

test(
  'endpoints that issue a token for a wrong secret, serve consumer data or acknowledge notifications without a token ' +
    'are NOT READY on security findings',
  async () => {
    const run = await certifyBank({
      faults: ['token-wrong-secret-accepted', 'consumer-info-without-token-served', 'card-notification-without-token-accepted'],
    });
    expect(run.code).toBe(1);
    expect(run.summary.securityFindings.map((f) => f.ruleId).sort()).toEqual([
      'CONSUMER-INFO-AUTH-REJECT',
      'ISSUER-TOKEN-WRONG-SECRET',
      'NOTIFY-CARD-AUTH-REJECT',
    ]);
    expect(run.summary.securityFindings.every((f) => f.security && f.provenance === 'inferred')).toBe(true);
    expect(run.summary.reasons[0]).toMatch(/^security findings: /);
    expect(run.stdout.indexOf('Security findings')).toBeLessThan(run.stdout.indexOf('| API |'));
  },
);

test('endpoints that refuse a missing token with 403 instead of 401 are READY with a warning', async () => {
  const run = await certifyBank({ faults: ['consumer-info-without-token-answered-403'], client: {} });
  expect(run.summary.verdict).toBe('READY');
  expect(run.code).toBe(0);
  expect(run.summary.securityFindings).toEqual([]);
  expect(row(run.summary, 'issuer-get-consumer-info')).toMatchObject({
    verdict: 'PASS WITH WARNINGS',
    warningRules: ['CONSUMER-INFO-AUTH-401'],
  });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} sent to npm ends certify's observation, and the run still concludes with the bank's evidence`, async () => {
    const bank = await startBank();
    const {
      npm,
      output: stdout,
      exited: npmExited,
    } = spawnNpmScript('certify', ['--skip-d1-environment', '--observe', '--observe-timeout=600'], bank.env);
    try {
      await expect.poll(stdout, { timeout: 60_000 }).toContain('D1_BASE_URL=');
      expect(npm.kill(signal)).toBe(true);
      const [code] = (await npmExited) as [number | null];
      // Not 130 or 143: certify ended its observation itself, ran the suites and gave the verdict's exit code.
      expect(code, stdout()).toBe(1);
      expect(stdout()).toContain(`certify: observation ends (${signal})`);
      const summary = JSON.parse(readFileSync(path.join(bank.work, 'reports', 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
      expect(summary.verdict).toBe('NOT READY');
      expect(row(summary, 'issuer-notify-card')).toMatchObject({ verdict: 'PASS', evidence: 'suite' });
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      await bank.issuer.stop();
    }
  });
}
