import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { operations, type OperationId } from '../gen/operations.js';
import { documentedRequest, withField, type RequestParts } from '../fixtures/requests.js';
import type { FieldConstraint } from '../lib/contracts/registry.js';
import { D1Client } from '../lib/d1-client.js';
import { send } from '../lib/http/client.js';
import { fromRoot } from '../lib/paths.js';
import { validateRequest, validateResponse } from '../lib/validation/index.js';
import { startMockD1 } from '../mocks/d1/index.js';
import { fieldValueArb } from '../suites/properties/arbitraries/field-value-arb.js';
import { nearMissArb } from '../suites/properties/arbitraries/near-miss-arb.js';
import { INDEPENDENT_CASES_IN_FLIGHT, checkProperty } from '../suites/properties/concurrent-check.js';
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

/** How the bench runs the cases: as the suites run them unless told otherwise. */
export interface PropertyBenchOptions {
  /** Cases in flight at once in each worker (concurrent-check.ts); 1 runs them one after another, as fast-check does. */
  readonly concurrency?: number;
  /** Workers, each with its own embedded mock D1, as Playwright runs the suites (`workers` in playwright.config.ts). */
  readonly workers?: number;
}

export type PropertyBenchFigures = PropertyThroughput & { readonly concurrency: number; readonly workers: number };

/** What a worker thread is told: set up, say so, wait for the start, run for `seconds`. */
interface WorkerOrder {
  readonly role: typeof WORKER_ROLE;
  readonly seconds: number;
  readonly seed: number;
  readonly concurrency: number;
}
const WORKER_ROLE = 'property-throughput';
/** A worker thread starts with no TypeScript loader: it registers tsx's, then loads this file. */
const WORKER_ENTRY = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(fromRoot('bench', 'property-throughput.ts')).href)}); })`;
/** Playwright's workers for the embedded mocks (playwright.config.ts): one per core of the 2-core machines we target. */
const SUITE_WORKERS = 2;

/**
 * Property cases per second, end to end, as the field properties of `npm run certify` make them: a case drawn by the
 * suites' arbitraries, judged by the contract, sent to the mock D1 (embedded in the worker, as the suites run it)
 * through the product's HTTP client, and its answer validated against the contract. Cases run as the suites run
 * them: in `workers` worker threads at once, each with its own mock D1, each running `concurrency` cases at a time
 * (concurrent-check.ts, the values fast-check draws for its seed), for `seconds` from a common start.
 */
export async function measurePropertyThroughput(
  seconds: number,
  seed: number,
  options: PropertyBenchOptions = {},
): Promise<PropertyBenchFigures> {
  const concurrency = options.concurrency ?? INDEPENDENT_CASES_IN_FLIGHT;
  const workers = options.workers ?? SUITE_WORKERS;
  if (workers <= 1) return { ...(await measureHere(seconds, seed, concurrency, async () => {})), concurrency, workers: 1 };
  const threads = Array.from({ length: workers }, (_, index) => {
    const order: WorkerOrder = { role: WORKER_ROLE, seconds, seed: seed + index, concurrency };
    return new Worker(WORKER_ENTRY, { eval: true, workerData: order });
  });
  try {
    const ready = threads.map((thread) => once(thread, 'message'));
    await Promise.all(ready);
    const results = threads.map((thread) => once(thread, 'message') as Promise<[PropertyThroughput]>);
    for (const thread of threads) thread.postMessage('start');
    const figures = (await Promise.all(results)).map(([figure]) => figure);
    const cases = figures.reduce((sum, f) => sum + f.cases, 0);
    const elapsed = Math.max(...figures.map((f) => f.seconds));
    return {
      cases,
      seconds: elapsed,
      casesPerSecond: cases / elapsed,
      seed,
      responseViolations: figures.reduce((sum, f) => sum + f.responseViolations, 0),
      operations: figures[0]?.operations ?? [],
      concurrency,
      workers,
    };
  } finally {
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}

/** The cases of one worker against a mock D1 of its own, once `start` (called when all is set up) resolves. */
async function measureHere(seconds: number, seed: number, concurrency: number, start: () => Promise<unknown>): Promise<PropertyThroughput> {
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
    await start();
    const started = performance.now();
    const outcome = await checkProperty(property, { seed, numRuns: Number.MAX_SAFE_INTEGER, timeLimitMs: seconds * 1000, concurrency });
    const elapsed = (performance.now() - started) / 1000;
    if (outcome.failed) {
      const error = outcome.details ? outcome.details.errorInstance : outcome.unreproduced.error;
      throw new Error(`a property case failed to run: ${String(error)}`);
    }
    return { cases, seconds: elapsed, casesPerSecond: cases / elapsed, seed, responseViolations, operations: operationIds };
  } finally {
    await d1.stop();
  }
}

// A worker thread of measurePropertyThroughput: ready once its mock D1 runs, measures from the start it is given.
if (!isMainThread && (workerData as Partial<WorkerOrder> | undefined)?.role === WORKER_ROLE && parentPort) {
  const port = parentPort;
  const order = workerData as WorkerOrder;
  const start = (): Promise<unknown> => {
    const go = once(port, 'message');
    port.postMessage('ready');
    return go;
  };
  void measureHere(order.seconds, order.seed, order.concurrency, start).then((figures) => port.postMessage(figures));
}
