/**
 * The concurrent runner of the properties (suites/properties/concurrent-check.ts) against fast-check's own sequential
 * run: it runs the values fast-check runs for the seed, really several at a time, and a failure it finds is reported
 * with the seed, path, counterexample and report of the sequential run, which its replay path reproduces.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { test, expect } from '@playwright/test';
import { checkProperty, type CheckOptions } from '../../suites/properties/concurrent-check.js';

/** Values as varied as the suites' (records, strings, biased small and large), enough runs to cross a chunk of 256. */
const valueArb = fc.record({ text: fc.string({ maxLength: 30 }), count: fc.integer(), items: fc.array(fc.nat(), { maxLength: 8 }) });

/** A property over valueArb whose predicate records what it is given and yields to the event loop like a call would. */
function recording(fails: (value: { text: string; count: number; items: number[] }) => boolean, seen: unknown[] = []) {
  let inFlight = 0;
  const peak = { value: 0 };
  const property = fc.asyncProperty(valueArb, async (value) => {
    seen.push(value);
    inFlight += 1;
    peak.value = Math.max(peak.value, inFlight);
    await sleep(1);
    inFlight -= 1;
    if (fails(value)) throw new Error(`planted failure: count ${value.count} with ${value.items.length} items`);
  });
  return { property, seen, peak };
}

/** fast-check's own run, exactly as the suites ran every property before the concurrent pass. */
const sequentialRun = <Ts>(property: fc.IAsyncProperty<Ts>, seed: number, numRuns: number, path?: string): Promise<fc.RunDetails<Ts>> =>
  fc.check(property, {
    seed,
    numRuns,
    plugins: [fc.interruptAfterTimeLimit(20_000) as fc.Plugin<Ts>],
    includeErrorInReport: true,
    ...(path ? { path, endOnFailure: true } : {}),
  });

const options = (seed: number, numRuns: number): CheckOptions => ({ seed, numRuns, timeLimitMs: 20_000, concurrency: 16 });

// A failure rare enough to be met after a few runs, and one that shrinks (count and items both shrink towards it).
const planted = (value: { count: number; items: number[] }): boolean => value.count > 1_000 && value.items.length >= 2;

test('a passing property runs the values fc.check runs for the seed, in its order, several at a time', async () => {
  for (const seed of [1, 7, 20261122]) {
    const sequential = recording(() => false);
    await sequentialRun(sequential.property, seed, 600);
    const concurrent = recording(() => false);
    const outcome = await checkProperty(concurrent.property, options(seed, 600));
    expect(outcome).toEqual({ failed: false, numRuns: 600, interrupted: false, concurrent: true });
    expect(concurrent.seen).toHaveLength(600);
    // The predicate records its value as it starts, and cases start in the runner's order.
    expect(concurrent.seen).toEqual(sequential.seen);
    expect(concurrent.peak.value).toBe(16);
  }
});

test('a planted failure found by the concurrent pass is reported with the sequential run’s seed, path and counterexample', async () => {
  let checked = 0;
  for (const seed of [3, 11, 97, 20261122]) {
    const sequential = await sequentialRun(recording(planted).property, seed, 400);
    if (!sequential.failed) continue;
    checked += 1;
    const concurrent = recording(planted);
    const outcome = await checkProperty(concurrent.property, options(seed, 400));
    expect(concurrent.peak.value, 'the failure was met while cases ran at once').toBeGreaterThan(1);
    expect(outcome.failed).toBe(true);
    const details = outcome.details;
    if (!details?.failed) throw new Error(`the concurrent run did not report fast-check's failure: ${JSON.stringify(outcome)}`);
    expect(details.seed).toBe(seed);
    expect(details.counterexamplePath).toBe(sequential.counterexamplePath);
    expect(details.counterexample).toEqual(sequential.counterexample);
    expect(details.numShrinks).toBe(sequential.numShrinks);
    expect(String(details.errorInstance)).toBe(String(sequential.errorInstance));
    const strip = (report: string | undefined): string => (report ?? '').replace(/^\s+at .*$/gm, '');
    expect(strip(await fc.asyncDefaultReportMessage(details))).toBe(strip(await fc.asyncDefaultReportMessage(sequential)));

    // The replay path goes straight to the shrunk counterexample, which fails again, unshrunk.
    const replayed = await checkProperty(recording(planted).property, { ...options(seed, 400), path: details.counterexamplePath ?? '' });
    if (!replayed.details?.failed) throw new Error('the replay path did not fail');
    expect(replayed.details.counterexample).toEqual(details.counterexample);
    expect(replayed.details.numRuns).toBe(1);
  }
  expect(checked, 'seeds whose sequential run meets the planted failure').toBeGreaterThanOrEqual(2);
});

test('a case that fails only beside others is reported with its own path, since the cases are not independent', async () => {
  let inFlight = 0;
  const property = fc.asyncProperty(fc.nat(), async () => {
    inFlight += 1;
    await sleep(1);
    const crowded = inFlight > 1;
    inFlight -= 1;
    if (crowded) throw new Error('another case was running');
  });
  const outcome = await checkProperty(property, options(5, 50));
  if (!outcome.unreproduced) throw new Error(`expected an unreproduced failure, got ${JSON.stringify(outcome)}`);
  expect(outcome.unreproduced.error).toEqual(new Error('another case was running'));
  expect(outcome.unreproduced.sequential.failed).toBe(false);
  const index = Number(outcome.unreproduced.path);
  // fc.sample of the arbitrary (not of the property, which fast-check 4.10 biases differently) draws fc.check's values.
  expect(outcome.unreproduced.value).toEqual(fc.sample(property, { seed: 5, numRuns: 50 })[index]);
});

test('a precondition failure hands the whole property to fast-check, which draws the replacement values', async () => {
  const property = fc.asyncProperty(fc.nat(), async (n) => {
    fc.pre(n % 3 !== 0);
    await sleep(0);
  });
  const outcome = await checkProperty(property, options(9, 100));
  const sequential = await sequentialRun(property, 9, 100);
  expect(outcome).toEqual({ failed: false, numRuns: sequential.numRuns, interrupted: false, concurrent: false });
});

test('the time limit stops the concurrent pass from starting cases, and says so', async () => {
  const { property } = recording(() => false);
  const outcome = await checkProperty(property, { seed: 1, numRuns: 1_000_000, timeLimitMs: 200, concurrency: 16 });
  if (outcome.failed) throw new Error('a passing property failed');
  expect(outcome.interrupted).toBe(true);
  expect(outcome.numRuns).toBeGreaterThan(16);
  expect(outcome.numRuns).toBeLessThan(1_000_000);
});
