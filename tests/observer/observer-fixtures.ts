import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test as base, expect } from '@playwright/test';
import { D1Client, type AssertionOptions } from '../../lib/d1-client.js';
import { ruleOutcomes, type RuleOutcome } from '../../reporters/compliance-summary.js';
import { startObserver, type ObservationEvidence, type ObserverOptions, type RunningObserver } from '../../observer/index.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';

export const ISSUER_ID = 'TESTBANK01';

/** `npm run observe` reads the product's variables too; tests say everything on the command line or set them themselves. */
export const OBSERVE_CLEAN_ENV: Readonly<Record<string, string>> = {
  D1_ISSUER_ID: '',
  D1_KEY_ID: '',
  D1_PRIVATE_KEY: '',
  D1_CLIENT_CERT: '',
  D1_CLIENT_KEY: '',
  D1_CA: '',
  CERTIFY_REPORTS_DIR: '',
  MOCK_D1_ISSUER_CLIENT_SECRET: '',
  OBSERVER_JOURNAL_KEY: '',
  OBSERVER_CONTROL_TOKEN: '',
};
export const KEY_ID = 'issuer-key-1';

/** The product's D1 client, remembering the assertions it signed and the tokens it got, for the secret scans. */
export class WatchedD1Client extends D1Client {
  readonly assertions: string[] = [];
  readonly tokens: string[] = [];

  override async assertion(options?: AssertionOptions): Promise<string> {
    const assertion = await super.assertion(options);
    this.assertions.push(assertion);
    return assertion;
  }

  override async token(): Promise<string> {
    const token = await super.token();
    if (!this.tokens.includes(token)) this.tokens.push(token);
    return token;
  }
}

export interface ObserverFixtures {
  /** Options the test wants for its observer (`test.use({ observerOptions: ... })`). */
  observerOptions: Partial<ObserverOptions>;
  issuerKeys: { privateKey: KeyObject; publicKey: KeyObject };
  observer: RunningObserver;
  /** A D1 client pointed at the observer, as an issuer's backend would be. */
  client: WatchedD1Client;
  /** A well-behaved issuer backend driving that client. */
  issuer: ReferenceClient;
}

export const clientFor = (observer: { bankingUrl: string; authUrl: string }, privateKey: KeyObject): WatchedD1Client =>
  new WatchedD1Client({ bankingUrl: observer.bankingUrl, authUrl: observer.authUrl, issuerId: ISSUER_ID, keyId: KEY_ID, privateKey });

/** Each test records against its own observer and embedded mock D1, on ephemeral loopback ports. */
export const test = base.extend<ObserverFixtures>({
  observerOptions: [{}, { option: true }],
  issuerKeys: async ({}, use) => {
    await use(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  },
  observer: async ({ observerOptions, issuerKeys }, use) => {
    const observer = await startObserver({
      issuerId: ISSUER_ID,
      keys: [{ kid: KEY_ID, publicKey: issuerKeys.publicKey }],
      // Tests stop the observation right after their last call: nothing is too recent to judge.
      limits: { followUpGraceSeconds: 0 },
      ...(observerOptions.upstream
        ? {}
        : { mock: { operationDelayMs: 10, retry: { firstDelayMs: 10, maxDelayMs: 100, attemptTimeoutMs: 1_000 } } }),
      ...observerOptions,
    });
    await use(observer);
    await observer.stop();
  },
  client: async ({ observer, issuerKeys }, use) => {
    await use(clientFor(observer, issuerKeys.privateKey));
  },
  issuer: async ({ client }, use) => {
    await use(new ReferenceClient(client));
  },
});

export { expect };

/** A rule's outcome over the observation's certification results, as the compliance summary computes it. */
export const ruleOutcome = (evidence: ObservationEvidence, ruleId: string): RuleOutcome | undefined =>
  ruleOutcomes(evidence.certification.tests).get(ruleId);

/** The failure texts of the observation, one line each with its whitespace collapsed, for assertions and their messages. */
export const failureLines = (evidence: ObservationEvidence): string =>
  evidence.certification.tests
    .filter((t) => t.outcome === 'failed')
    .map((t) => (t.error ?? t.title).replace(/\s+/g, ' '))
    .join('\n');
