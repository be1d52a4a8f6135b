import { randomBytes, type KeyObject } from 'node:crypto';
import { operations } from '../gen/operations.js';
import { D1Client } from '../lib/d1-client.js';
import type { LoadRequestSpec } from './http-load.js';
import { BENCH_ISSUER_ID, BENCH_KEY_ID } from './opt-out-requests.js';

/** The contract's own example of a consumer's data: every field the observer's registration rules look for. */
const CONSUMER_INFO = (operations.registerConsumer.examples.requestBody['application/json'] as { consumerInfo: unknown }).consumerInfo;

/** How long the enrolment may take to show in the profiles: the mock completes an operation after 20 ms by default. */
const ENROLMENT_TIMEOUT_MS = 5_000;

/** A consumer's profile read, ready to be sent again and again. */
export interface ProfileReads {
  /**
   * The read, with a token valid for a minute at least: the client renews it a minute before it expires, as the
   * documents ask, so a load longer than a token's 15 minutes asks for each batch before sending it.
   */
  requests(): Promise<readonly LoadRequestSpec[]>;
}

/**
 * Prepares, through whatever serves D1's paths at `origin` (the mock D1, or the observer in front of its own), what an
 * authenticated read of a consumer's Click to Pay profiles needs to be a request D1 answers with a profile: a token, a
 * consumer registered with its consumer data, and one card of its created and enrolled. The read is what a bank's
 * integration or load test repeats most; every load connection sends the same one.
 */
export async function prepareProfileReads(origin: string, privateKey: KeyObject): Promise<ProfileReads> {
  const client = new D1Client({
    bankingUrl: `${origin}/banking`,
    authUrl: `${origin}/authz/v1`,
    issuerId: BENCH_ISSUER_ID,
    keyId: BENCH_KEY_ID,
    privateKey,
  });
  const accepted = async (
    operation: Parameters<D1Client['call']>[0],
    parts: Parameters<D1Client['call']>[1],
  ): Promise<Record<string, unknown>> => {
    const response = await client.call(operation, parts);
    if (response.status !== 200)
      throw new Error(`preparing the profile reads: ${operation} answered ${response.status} ${response.text.slice(0, 200)}`);
    return response.json as Record<string, unknown>;
  };
  const consumerId = `cns_bench_${randomBytes(6).toString('hex')}`;
  await accepted('registerConsumer', { path: { consumerId }, body: { consumerInfo: CONSUMER_INFO } });
  const cardId = String((await accepted('createCard', { body: { consumerId, cardProductId: 'prd_debit_classic' } })).cardId);
  await accepted('clickToPayEnrol', { path: { cardId }, body: { name: 'John Smith' } });
  // The observer's mock answers every write PENDING first: the profile shows once the enrolment has completed.
  const deadline = Date.now() + ENROLMENT_TIMEOUT_MS;
  for (;;) {
    const profiles = (await accepted('clickToPayGetConsumerProfiles', { path: { consumerId } })).clickToPayProfiles;
    if (Array.isArray(profiles) && profiles.length > 0) break;
    if (Date.now() > deadline)
      throw new Error(`preparing the profile reads: the enrolled card showed in no profile within ${ENROLMENT_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const path =
    '/banking' +
    operations.clickToPayGetConsumerProfiles.path
      .replace('{issuerId}', BENCH_ISSUER_ID)
      .replace('{consumerId}', encodeURIComponent(consumerId));
  return {
    requests: async () => [{ method: 'GET', path, headers: { authorization: `Bearer ${await client.token()}` } }],
  };
}
