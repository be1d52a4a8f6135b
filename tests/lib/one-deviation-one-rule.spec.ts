/**
 * One deviation fails one rule, once: a test fails only on contract violations of the rules it stands for, the
 * others are kept as departures and counted once each under their own rule; a documentation quirk is a warning.
 */
import { test, expect } from '@playwright/test';
import { RuleViolation, responseConformsToContract } from '../../lib/checks/index.js';
import { ruleStanding } from '../../lib/checks/rule-failure.js';
import { testScope } from '../../lib/checks/test-scope.js';
import type { HttpResponse } from '../../lib/http/client.js';
import { certificationResults, failsGoLive, withDepartures, type CertifiedTest } from '../../reporters/certification.js';

/** A token answer with two deviations: expires_in a number (a documentation quirk) and token_type in lower case. */
function tokenAnswer(body: Record<string, unknown>): HttpResponse {
  const text = JSON.stringify(body);
  return { status: 200, headers: { 'content-type': 'application/json' }, text, json: body, durationMs: 1 };
}
const twoDeviations = tokenAnswer({ access_token: 'opaque-token-value', token_type: 'bearer', expires_in: 900 });

test.afterEach(() => {
  testScope.end();
});

test('a test standing for one rule fails on that rule only, and keeps the other deviation as a departure', () => {
  testScope.begin(['ISSUER-TOKEN-TOKENTYPE-ENUM']);
  let thrown: unknown;
  try {
    responseConformsToContract('issuerGetToken', twoDeviations);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RuleViolation);
  expect((thrown as RuleViolation).ruleId).toBe('ISSUER-TOKEN-TOKENTYPE-ENUM');
  expect((thrown as RuleViolation).violations.map((v) => v.ruleId)).toEqual(['ISSUER-TOKEN-TOKENTYPE-ENUM']);
  expect(testScope.end().map((d) => d.ruleId)).toEqual(['ISSUER-TOKEN-EXPIRESIN-TYPE']);
});

test('a test standing for neither rule passes, and both deviations are kept once however often it looks', () => {
  testScope.begin(['ISSUER-TOKEN-BASIC-AUTH']);
  for (let i = 0; i < 3; i += 1) responseConformsToContract('issuerGetToken', twoDeviations);
  expect(
    testScope
      .end()
      .map((d) => d.ruleId)
      .sort(),
  ).toEqual(['ISSUER-TOKEN-EXPIRESIN-TYPE', 'ISSUER-TOKEN-TOKENTYPE-ENUM']);
});

test('outside a test scope every violation fails, as the observer and the validation API expect', () => {
  expect(() => responseConformsToContract('issuerGetToken', twoDeviations)).toThrow(RuleViolation);
});

test('a departure no rule names (an undocumented status) always fails the test that saw it', () => {
  testScope.begin(['ISSUER-TOKEN-BASIC-AUTH']);
  expect(() => responseConformsToContract('issuerGetToken', { ...twoDeviations, status: 418 })).toThrow(/contract departure/);
});

test('departures become one failed result per rule, none where a test of that rule already failed on it', () => {
  testScope.begin(['ISSUER-TOKEN-BASIC-AUTH']);
  responseConformsToContract('issuerGetToken', twoDeviations);
  const departures = testScope.end();
  const base = {
    project: 'issuer',
    file: 'suites/issuer/token-endpoint.spec.ts',
    subject: 'bank',
    category: 'conditional',
    provenance: 'documented',
    error: undefined,
  } as const;
  const seenBy = (title: string): CertifiedTest => ({
    ...base,
    title,
    rules: ['ISSUER-TOKEN-BASIC-AUTH'],
    outcome: 'passed',
    failure: undefined,
    departures,
  });
  const typeTest: CertifiedTest = {
    ...base,
    title: 'the token answer names its type exactly Bearer',
    rules: ['ISSUER-TOKEN-TOKENTYPE-ENUM'],
    outcome: 'failed',
    failure: departures.find((d) => d.ruleId === 'ISSUER-TOKEN-TOKENTYPE-ENUM'),
  };
  const tests = withDepartures([seenBy('first'), seenBy('second'), typeTest]);
  const added = tests.slice(3);
  expect(added.map((t) => t.rules)).toEqual([['ISSUER-TOKEN-EXPIRESIN-TYPE']]);
  expect(added[0]?.title).toContain('seen by: first');
  // The quirk is counted, as a warning; the token type deviation fails the go-live once, through its own test.
  const results = certificationResults(tests);
  expect(results.documentedFailures).toBe(1);
  expect(results.inferredWarnings).toBe(1);
});

test('a documented recommendation (should) is a warning, like an inferred rule', () => {
  const standing = ruleStanding('CONSUMER-REGISTER-RECOMMENDED-FIELDS');
  expect(standing).toMatchObject({ provenance: 'documented', recommendation: true });
  expect(failsGoLive(standing)).toBe(false);
});

test('a documentation quirk names the standard it departs from and never fails a go-live', () => {
  const standing = ruleStanding('ISSUER-TOKEN-EXPIRESIN-TYPE');
  expect(standing.provenance).toBe('documented');
  expect(standing.contradicts).toMatch(/^RFC 6749 section 5\.1: /);
  expect(failsGoLive(standing)).toBe(false);
  expect(failsGoLive(ruleStanding('ISSUER-TOKEN-TOKENTYPE-ENUM'))).toBe(true);
  expect(new RuleViolation('ISSUER-TOKEN-EXPIRESIN-TYPE', '/expires_in', 'a JSON string', 'a number').message).toMatch(
    /documentation quirk[\s\S]*RFC 6749 section 5\.1/,
  );
});
