/**
 * The validation API the mocks and suites use: each violation names its rule, where it is, what the contract says
 * and what was received.
 */
import { test, expect } from '@playwright/test';
import { validateRequest, validateResponse, formatViolations } from '../../lib/validation/index.js';

const enrolPath = { issuerId: 'TESTBANK01', cardId: 'crd_1' };

test('a path parameter outside its pattern is reported with rule, pointer, documented and received', () => {
  const violations = validateRequest('clickToPayEnrol', { path: { ...enrolPath, cardId: 'crd.1' } });
  expect(violations).toEqual([
    {
      operationId: 'clickToPayEnrol',
      ruleId: 'CTP-ENROL-CARDID-PATTERN',
      provenance: 'documented',
      part: 'path',
      pointer: '/cardId',
      keyword: 'pattern',
      documented: 'matches ^[A-Za-z0-9_-]{1,48}$',
      received: '"crd.1"',
    },
  ]);
});

test('a length violation states the documented bounds', () => {
  const [violation] = validateRequest('clickToPayEnrol', { path: { ...enrolPath, issuerId: 'TESTBANK0' } });
  expect(violation).toMatchObject({ ruleId: 'CTP-ENROL-ISSUERID-LENGTH', documented: 'exactly 10 characters', received: '"TESTBANK0"' });
});

test('a body field breaking two rules is reported under both', () => {
  const violations = validateRequest('clickToPayEnrol', {
    path: enrolPath,
    headers: { 'Content-Type': 'application/json' },
    body: { name: 'N'.repeat(27) },
  });
  expect(violations.map((v) => v.ruleId).sort()).toEqual(['CTP-ENROL-NAME-LENGTH', 'CTP-ENROL-NAME-PATTERN']);
  expect(violations.find((v) => v.keyword === 'length')?.documented).toBe('1 to 26 characters');
});

test('a violation of an inferred rule is marked inferred', () => {
  const [violation] = validateRequest('clickToPayOptoutConsumer', {
    path: { issuerId: 'TESTBANK01', consumerId: 'c1' },
    headers: { 'content-type': 'application/json' },
    body: { reasonCode: 'FRAUD' },
  });
  expect(violation).toMatchObject({
    ruleId: 'CTP-OPTOUT-CONSUMER-REASONCODE-ENUM',
    provenance: 'inferred',
    documented: 'one of USER_DECISION, ISSUER_DECISION',
  });
});

test('header names are matched without regard to case', () => {
  const violations = validateRequest('clickToPayEnrol', { path: enrolPath, headers: { 'X-Correlation-ID': 'has space' } });
  expect(violations.map((v) => [v.ruleId, v.part, v.pointer])).toEqual([
    ['CTP-ENROL-CORRELATIONID-PATTERN', 'header', '/x-correlation-id'],
  ]);
});

test('a body in an undeclared media type is reported against the content type', () => {
  const violations = validateRequest('clickToPayEnrol', { path: enrolPath, headers: { 'content-type': 'text/plain' }, body: 'name=x' });
  expect(violations).toHaveLength(1);
  expect(violations[0]).toMatchObject({
    part: 'header',
    pointer: '/content-type',
    documented: 'one of application/json',
    received: '"text/plain"',
  });
});

test('an undocumented response status is reported', () => {
  const [violation] = validateResponse('clickToPayEnrol', { status: 409, headers: { 'content-type': 'application/json' }, body: {} });
  expect(violation).toMatchObject({ part: 'response 409', keyword: 'status', documented: 'one of 200, 400, 401', received: '409' });
});

test('a response field breaking its rule names the response part and the rule', () => {
  const violations = validateResponse('clickToPayOptoutCard', {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: { operationId: 'op 1', status: 'DONE' },
  });
  expect(violations.map((v) => `${v.part} ${v.pointer} ${v.ruleId}`).sort()).toEqual([
    'response 200 /operationId CTP-OPTOUT-CARD-RESULT-OPERATIONID-PATTERN',
    'response 200 /status CTP-OPTOUT-CARD-RESULT-STATUS-ENUM',
  ]);
});

test('a valid exchange has no violations', () => {
  expect(validateRequest('clickToPayGetConsumerProfiles', { path: { issuerId: 'TESTBANK01', consumerId: 'c-1' } })).toEqual([]);
  expect(validateResponse('clickToPayGetConsumerProfiles', { status: 200, body: { clickToPayProfiles: [] } })).toEqual([]);
});

test('an unknown operation is an error, not an empty result', () => {
  expect(() => validateRequest('noSuchOperation', {})).toThrow('unknown operation "noSuchOperation"');
});

test('violations print as a table a person can read', () => {
  const violations = validateRequest('clickToPayEnrol', { path: { ...enrolPath, cardId: 'crd.1' } });
  const table = formatViolations(violations);
  expect(table.split('\n')[0]).toMatch(/^rule\s+\| where\s+\| documented\s+\| received$/);
  expect(table).toContain('CTP-ENROL-CARDID-PATTERN | clickToPayEnrol path /cardId | matches ^[A-Za-z0-9_-]{1,48}$ | "crd.1"');
  expect(formatViolations([])).toBe('no violations');
});
