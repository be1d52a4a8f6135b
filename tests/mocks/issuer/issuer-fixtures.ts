/**
 * Fixtures of the reference issuer's own tests: each test starts its own issuers on ephemeral ports and they stop
 * when it ends, so tests share no state and run in any order.
 */
import { test as base } from '@playwright/test';
import { startReferenceIssuer, type ReferenceIssuerOptions, type RunningReferenceIssuer } from '../../../mocks/issuer/index.js';

/** A fixed secret, so a test can also show what a wrong one gets; never a real credential. */
export const TEST_CLIENT_SECRET = 'self-test-secret-7c1d9e04';

export interface IssuerFixtures {
  /** Starts a reference issuer for this test; it is stopped when the test ends, whatever the outcome. */
  startIssuer: (options?: ReferenceIssuerOptions) => Promise<RunningReferenceIssuer>;
  /** A reference issuer with the default settings and TEST_CLIENT_SECRET. */
  issuer: RunningReferenceIssuer;
  /** The log lines of every issuer this test started. */
  issuerLog: string[];
}

export const test = base.extend<IssuerFixtures>({
  // Playwright reads a fixture's dependencies from this pattern, so it stays even when empty.
  issuerLog: async ({}, use) => {
    await use([]);
  },
  startIssuer: async ({ issuerLog }, use) => {
    const started: RunningReferenceIssuer[] = [];
    await use(async (options = {}) => {
      const issuer = await startReferenceIssuer({ clientSecret: TEST_CLIENT_SECRET, log: (line) => issuerLog.push(line), ...options });
      started.push(issuer);
      return issuer;
    });
    await Promise.all(started.map((issuer) => issuer.stop()));
  },
  issuer: async ({ startIssuer }, use) => {
    await use(await startIssuer());
  },
});

export { expect } from '@playwright/test';
