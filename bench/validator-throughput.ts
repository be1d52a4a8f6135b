import fc from 'fast-check';
import { validateRequest } from '../lib/validation/index.js';
import { brokenNotificationArb } from '../suites/properties/arbitraries/broken-notification-arb.js';
import { notificationArb } from '../suites/properties/arbitraries/notification-arb.js';
import { NOTIFICATION_OPERATION, type NotificationKind } from '../suites/properties/arbitraries/notification-fields.js';
import type { ValidatorThroughput } from './results.js';

/** Payloads of each kind, valid and with one field broken: enough variety that no single shape is all that is timed. */
const PAYLOADS_PER_KIND_AND_SHAPE = 250;

interface Payload {
  readonly operationId: (typeof NOTIFICATION_OPERATION)[NotificationKind];
  readonly body: unknown;
}

/**
 * Notification payload validations per second, through the validation API and the generated validators, as the
 * reference issuer validates each call: card and consumer notifications drawn by the property suites' arbitraries,
 * half of them valid, half with one field one step outside its contract, validated in turn for `seconds`.
 */
export function measureValidators(seconds: number, seed: number): ValidatorThroughput {
  const payloads: Payload[] = [];
  for (const kind of ['card', 'consumer'] as const) {
    const operationId = NOTIFICATION_OPERATION[kind];
    for (const body of fc.sample(notificationArb(kind), { seed, numRuns: PAYLOADS_PER_KIND_AND_SHAPE }))
      payloads.push({ operationId, body });
    for (const broken of fc.sample(brokenNotificationArb(kind), { seed, numRuns: PAYLOADS_PER_KIND_AND_SHAPE }))
      payloads.push({ operationId, body: broken.body });
  }
  const headers = { 'content-type': 'application/json' };
  const path = { issuerId: 'TESTBANK01' };
  let validations = 0;
  let refused = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  // The clock is read once per pass over the payloads, so that reading it costs nothing measurable.
  while (performance.now() < until) {
    for (const payload of payloads) {
      if (validateRequest(payload.operationId, { path, headers, body: payload.body }).length > 0) refused += 1;
      validations += 1;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  // Half the payloads are broken on purpose; a validator that refused none of them (or all) would not be measured right.
  if (refused === 0 || refused === validations)
    throw new Error(`the validators refused ${refused} of ${validations} payloads; expected about half`);
  return { validations, seconds: elapsed, validationsPerSecond: validations / elapsed, payloads: payloads.length };
}
