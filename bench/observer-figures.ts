/**
 * The figures of the observer step, from what its load runs measured: the side-by-side rounds, the size of the load's
 * batches, and the RSS samples a table shows. Nothing here runs or times anything.
 */
import { combineRounds, median } from './http-comparison.js';
import type { HttpLoadFigures } from './http-load.js';
import type { ObserverComparison, Range } from './results.js';

/** The calls the RSS target is about: a figure after fewer is reported, not judged, since memory grows with the calls. */
export const OBSERVER_TARGET_CALLS = 1_000_000;

/** One round of the side-by-side as autocannon measured it. */
export interface MeasuredRound {
  readonly mockD1: HttpLoadFigures;
  readonly observer: HttpLoadFigures;
}

const rangeOf = (values: readonly number[]): Range => ({ min: Math.min(...values), max: Math.max(...values) });

/**
 * Each side's requests per second round by round, the ratio of each round, and their median: the two sides of a round
 * ran one just after the other, so a burst of load from elsewhere weighs on one round's ratio, not on every round's.
 */
export function sideBySide(
  rounds: readonly MeasuredRound[],
): Pick<ObserverComparison, 'perRound' | 'mockD1' | 'observer' | 'medianRatio' | 'spread'> {
  if (rounds.some((round) => round.mockD1.requestsPerSecond <= 0))
    throw new Error('observer / mock D1: the mock D1 answered no request in a round, so there is no ratio');
  const perRound = rounds.map((round) => ({
    mockD1: round.mockD1.requestsPerSecond,
    observer: round.observer.requestsPerSecond,
    ratio: round.observer.requestsPerSecond / round.mockD1.requestsPerSecond,
  }));
  return {
    perRound,
    mockD1: combineRounds(rounds.map((round) => round.mockD1)),
    observer: combineRounds(rounds.map((round) => round.observer)),
    medianRatio: median(perRound.map((round) => round.ratio)),
    spread: {
      mockD1: rangeOf(perRound.map((round) => round.mockD1)),
      observer: rangeOf(perRound.map((round) => round.observer)),
      ratio: rangeOf(perRound.map((round) => round.ratio)),
    },
  };
}

/**
 * The calls of the next batch of the load: `firstBatch` while no rate is known, then as many as `batchSeconds` take
 * at the rate just measured, never fewer than a tenth of the first (a stalled batch must not shrink the next to
 * nothing) nor more than remain.
 */
export function nextBatchCalls(remaining: number, callsPerSecond: number | undefined, batchSeconds: number, firstBatch: number): number {
  const wanted =
    callsPerSecond === undefined ? firstBatch : Math.max(Math.round(firstBatch / 10), Math.round(callsPerSecond * batchSeconds));
  return Math.max(0, Math.min(remaining, wanted));
}

/** At most `count` of the samples, evenly spread, the first and the last always among them: a table row stays short. */
export function evenlySpread<T>(samples: readonly T[], count: number): T[] {
  if (samples.length <= count) return [...samples];
  if (count <= 1) return samples.slice(-1);
  const indices = new Set(Array.from({ length: count }, (_, i) => Math.round((i * (samples.length - 1)) / (count - 1))));
  return [...indices].flatMap((index) => {
    const sample = samples[index];
    return sample === undefined ? [] : [sample];
  });
}
