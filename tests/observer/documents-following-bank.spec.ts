/**
 * A bank that follows the documents to the letter passes its observation against the recording mock D1: it sends
 * the consumer's data as consumerInfo, leaves out every reasonCode the documents do not ask for, and draws a random
 * UUIDv4 for each x-correlation-id. No documented rule fails, the plan is covered, and each follow-up rule is judged
 * because the recording mock answers every asynchronous write PENDING first.
 */
import { randomUUID } from 'node:crypto';
import { apis } from '../../gen/catalogue.js';
import { certificationPlan } from '../../observer/index.js';
import { FOLLOW_UP_RULES } from '../../observer/usage-rules.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';
import { expect, failureLines, ruleOutcome, test } from './observer-fixtures.js';

const FOLLOW_UPS = [...new Set(Object.values(FOLLOW_UP_RULES))];
/** Every conditional row applies: the bank drives the whole plan. */
const EVERY_CONDITIONAL_API = new Set(apis.filter((a) => a.category === 'conditional').map((a) => a.id));

test.use({ observerOptions: { plan: certificationPlan(EVERY_CONDITIONAL_API) } });

test.describe('a bank following the documents, recorded against the embedded mock D1', () => {
  test('drives the whole plan with no documented rule failed and every follow-up rule judged', async ({ observer, client }) => {
    const bank = new ReferenceClient(client, { correlationId: randomUUID });
    const { refused } = await bank.runPlan(observer.mockD1?.cardDataJwk ?? {}, { reasonCodes: 'when-documented' });
    expect(refused, 'no step of the plan refused by the recording mock').toEqual([]);
    expect(observer.progress().complete).toBe(true);
    const evidence = await observer.stop();

    expect(evidence.certification.documentedFailures, failureLines(evidence)).toBe(0);
    expect(Object.fromEntries(FOLLOW_UPS.map((id) => [id, ruleOutcome(evidence, id)]))).toEqual(
      Object.fromEntries(FOLLOW_UPS.map((id) => [id, 'passed'])),
    );
    // The reasonCode the card life-cycle calls leave out is our reading: the observation warns, it does not fail.
    for (const ruleId of ['CARD-DELETE-REASONCODE-REQUIRED', 'CARD-SUSPEND-RESUME-REASONCODE-REQUIRED']) {
      const warned = evidence.certification.tests.find((t) => t.outcome === 'failed' && t.failure?.ruleId === ruleId);
      expect(warned?.failure?.provenance, `${ruleId} reported as an inferred warning`).toBe('inferred');
    }
  });
});

test.describe('the recording mock with immediate results', () => {
  test.use({ observerOptions: { mock: { immediateResults: true, operationDelayMs: 10 } } });

  test('answers a registration SUCCESSFUL at once, so its follow-up rule has nothing to judge', async ({ observer, client }) => {
    const response = await new ReferenceClient(client, { correlationId: randomUUID }).call('registerConsumer', {
      path: { consumerId: `cns_${randomUUID()}` },
      body: {},
    });
    expect((response.json as { status?: unknown } | undefined)?.status).toBe('SUCCESSFUL');
    const evidence = await observer.stop();
    expect(ruleOutcome(evidence, 'CONSUMER-REGISTER-FOLLOW-UP'), failureLines(evidence)).toBe('skipped');
  });
});
