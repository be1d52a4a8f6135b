/**
 * The generated types follow the contracts: type errors here are caught by `npm run typecheck`, which `npm test` runs.
 */
import { test, expect } from '@playwright/test';
import type { operations as ClickToPay } from '../../gen/types/d1-click-to-pay.js';

type EnrolBody = NonNullable<ClickToPay['clickToPayEnrol']['requestBody']>['content']['application/json'];
type OperationAccepted = ClickToPay['clickToPayEnrol']['responses'][200]['content']['application/json'];

test('enrol body and answer types carry the documented fields and enums', () => {
  const body: EnrolBody = { name: 'John Smith', reason: 'asked in branch', reasonCode: 'USER_DECISION' };
  // @ts-expect-error reasonCode is a closed enum
  const wrongCode: EnrolBody = { reasonCode: 'FRAUD' };
  // @ts-expect-error the body has no cardNumber field
  const unknownField: EnrolBody = { cardNumber: '4111111111111111' };
  const accepted: OperationAccepted = { operationId: 'op_1', status: 'PENDING' };
  // @ts-expect-error status is SUCCESSFUL, PENDING or FAILED
  const wrongStatus: OperationAccepted = { status: 'DONE' };
  expect([body.reasonCode, accepted.status, wrongCode.reasonCode, unknownField, wrongStatus.status]).toHaveLength(5);
});
