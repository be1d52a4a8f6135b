import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { operations, type OperationId } from '../gen/operations.js';
import { documentedRequest, withField, type RequestParts } from '../fixtures/requests.js';
import type { FieldConstraint } from '../lib/contracts/registry.js';
import { D1Client } from '../lib/d1-client.js';
import { send } from '../lib/http/client.js';
import { validateRequest, validateResponse } from '../lib/validation/index.js';
import { startMockD1 } from '../mocks/d1/index.js';
import { fieldValueArb } from '../suites/properties/arbitraries/field-value-arb.js';
import { nearMissArb } from '../suites/properties/arbitraries/near-miss-arb.js';
import { BENCH_ISSUER_ID, BENCH_KEY_ID } from './opt-out-requests.js';
import type { PropertyThroughput } from './results.js';

const CARRIERS = { path: 'path', header: 'header', body: 'body' } as const;
const KEYWORDS = new Set(['pattern', 'length', 'enum']);

interface PropertyCase {
  readonly operationId: OperationId;
  readonly field: FieldConstraint;
  readonly value: unknown;
}

/** The operations the field properties exercise with no card data to encrypt: the mock D1 takes them as they come. */
function operationsUnderTest(): OperationId[] {
  return (Object.keys(operations) as OperationId[]).filter((id) => {
    const entry = operations[id];
    const fields = Object.values(entry.fields);
    return (
      entry.party === 'd1' &&
      id !== 'getToken' &&
      !fields.some((f) => f.pointer === '/encryptedData') &&
      fields.some((f) => f.in in CARRIERS && KEYWORDS.has(f.keyword))
    );
  });
}

/** Every field rule of those operations, each with a value within it and one a step outside it, as the suites draw them. */
function caseArb(operationIds: readonly OperationId[]): fc.Arbitrary<PropertyCase> {
  const arbitraries = operationIds.flatMap((operationId) =>
    Object.values(operations[operationId].fields)
      .filter((field) => field.in in CARRIERS && KEYWORDS.has(field.keyword))
      .flatMap((field) => {
        const carrier = CARRIERS[field.in as keyof typeof CARRIERS];
        return [
          fieldValueArb(field.schema, carrier).map((value) => ({ operationId, field, value })),
          nearMissArb(field.schema, field.keyword, carrier).map((miss) => ({ operationId, field, value: miss.value })),
        ];
      }),
  );
  return fc.oneof(...arbitraries);
}

/** The documented request with fresh identifiers, so that no case meets another's consumer or card. */
function baseRequest(operationId: OperationId): RequestParts {
  const request = documentedRequest(operationId, BENCH_ISSUER_ID);
  for (const [name, prefix] of [
    ['consumerId', 'cns'],
    ['cardId', 'crd'],
    ['operationId', 'op'],
  ] as const) {
    if (name in request.path) request.path[name] = `${prefix}_${randomBytes(6).toString('hex')}`;
  }
  const body = request.body as Record<string, unknown> | undefined;
  if (body && 'consumerId' in body) body.consumerId = `cns_${randomBytes(6).toString('hex')}`;
  return request;
}

/**
 * Property cases per second, end to end, as the field properties of `npm run certify` make them: a case drawn by the
 * suites' arbitraries, judged by the contract, sent to the mock D1 (embedded in this process, as the suites run it)
 * through the product's HTTP client, and its answer validated against the contract. Cases run one after another, as
 * fast-check runs them, for `seconds`.
 */
export async function measurePropertyThroughput(seconds: number, seed: number): Promise<PropertyThroughput> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const d1 = await startMockD1({ issuers: [{ issuerId: BENCH_ISSUER_ID, keys: [{ kid: BENCH_KEY_ID, publicKey: keys.publicKey }] }] });
  try {
    const client = new D1Client({
      bankingUrl: d1.bankingUrl,
      authUrl: d1.authUrl,
      issuerId: BENCH_ISSUER_ID,
      keyId: BENCH_KEY_ID,
      privateKey: keys.privateKey,
    });
    const authorization = `Bearer ${await client.token()}`;
    const operationIds = operationsUnderTest();
    let cases = 0;
    let responseViolations = 0;
    const property = fc.asyncProperty(caseArb(operationIds), async ({ operationId, field, value }) => {
      const request = withField(baseRequest(operationId), field, value);
      // The suites judge every generated request by the contract before sending it; so does the bench.
      validateRequest(operationId, request);
      const entry = operations[operationId];
      const response = await send({
        method: entry.method,
        url: client.urlOf(operationId, request.path, request.query),
        headers: { ...request.headers, authorization },
        ...(entry.method === 'GET' || request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      if (
        validateResponse(operationId, {
          status: response.status,
          headers: response.headers,
          body: response.json ?? (response.text || undefined),
        }).length > 0
      )
        responseViolations += 1;
      cases += 1;
    });
    const started = performance.now();
    const details = await fc.check(property, {
      seed,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: seconds * 1000,
      markInterruptAsFailure: false,
    });
    const elapsed = (performance.now() - started) / 1000;
    if (details.failed) throw new Error(`a property case failed to run: ${String(details.errorInstance)}`);
    return { cases, seconds: elapsed, casesPerSecond: cases / elapsed, seed, responseViolations, operations: operationIds };
  } finally {
    await d1.stop();
  }
}
