/** The check of an asynchronous write's immediate answer, shared by the card and consumer life cycles. */
import { test, expect } from '@playwright/test';
import { RuleViolation, answersAnOperation } from '../../lib/checks/index.js';

const violationOf = (accepted: Record<string, unknown>): RuleViolation => {
  try {
    answersAnOperation('CARD-CREATE-REGISTER-ASYNC', accepted);
  } catch (error) {
    if (error instanceof RuleViolation) return error;
    throw error;
  }
  throw new Error('no violation');
};

test('an answer naming its operation passes and gives the operationId back', () => {
  expect(answersAnOperation('CARD-CREATE-REGISTER-ASYNC', { operationId: 'op-1', status: 'PENDING' })).toBe('op-1');
});

test('an answer without an operationId fails the rule at /operationId, saying it was absent', () => {
  const violation = violationOf({ status: 'PENDING' });
  expect(violation.ruleId).toBe('CARD-CREATE-REGISTER-ASYNC');
  expect([violation.pointer, violation.received]).toEqual(['/operationId', 'absent']);
});

test('an answer whose status is not a string fails the rule at /status, showing what came', () => {
  const violation = violationOf({ operationId: 'op-1', status: 3 });
  expect([violation.ruleId, violation.pointer, violation.received]).toEqual(['CARD-CREATE-REGISTER-ASYNC', '/status', '3']);
});
