/**
 * Checks a property whose cases are independent several cases at a time, and leaves every failure to fast-check.
 *
 * fast-check runs one case after another. Here fast-check's own runner draws the values (same seed, generator, bias
 * and run index: the values and order of `fc.check`), and a plugin starts each case and lets the runner draw the
 * next while up to `concurrency` cases are in flight. (`fc.sample` of the property would not do: in fast-check 4.10
 * it wraps the property as an arbitrary and applies the run-index bias twice, so from run 9 on its values differ.)
 * Only when a case fails does fast-check run the property again, one case after another with the same seed, so that
 * the counterexample, its shrinking, the replay path and the report are exactly those of a sequential run. A replay
 * path goes to fast-check directly.
 */
import fc from 'fast-check';

/**
 * Cases in flight at once for a property whose cases are independent, in the suites and in the bench: enough to keep
 * the embedded mocks busy while the suite draws and judges the next values, few enough not to queue on the 2 cores.
 */
export const INDEPENDENT_CASES_IN_FLIGHT = 16;

export interface CheckOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Wall-clock budget of each pass; cases not started when it expires are not made (fast-check's interruptAfterTimeLimit). */
  readonly timeLimitMs: number;
  /** Cases in flight at once; 1 runs them one after another. */
  readonly concurrency: number;
  /** A replay path printed by an earlier failure: fast-check goes straight to that case, one case at a time. */
  readonly path?: string | undefined;
}

/** A failure of the concurrent pass that the sequential run did not meet again: the cases are not independent. */
export interface UnreproducedFailure<Ts> {
  /** The run index of the failed case, a replay path that runs that case alone. */
  readonly path: string;
  readonly value: Ts;
  readonly error: unknown;
  /** What the sequential run with the same seed did instead. */
  readonly sequential: fc.RunDetails<Ts>;
}

export type CheckOutcome<Ts> =
  | {
      readonly failed: false;
      readonly numRuns: number;
      readonly interrupted: boolean;
      /** Whether the cases ran several at a time (false when a precondition handed them to fast-check). */
      readonly concurrent: boolean;
      readonly details?: undefined;
      readonly unreproduced?: undefined;
    }
  | { readonly failed: true; readonly details: fc.RunDetails<Ts>; readonly unreproduced?: undefined }
  | { readonly failed: true; readonly details?: undefined; readonly unreproduced: UnreproducedFailure<Ts> };

/** fast-check's own run, one case at a time: the failure report, shrinking included, of every failed property. */
export function checkSequentially<Ts>(property: fc.IAsyncProperty<Ts>, options: CheckOptions): Promise<fc.RunDetails<Ts>> {
  const parameters: fc.Parameters<Ts> = {
    seed: options.seed,
    numRuns: options.numRuns,
    plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs) as fc.Plugin<Ts>],
    includeErrorInReport: true,
    ...(options.path ? { path: options.path, endOnFailure: true } : {}),
  };
  return fc.check(property, parameters);
}

type CaseResult = 'passed' | 'skipped' | { readonly error: unknown };

/** What the cases run so far came to. */
interface Pass<Ts> {
  started: number;
  passed: number;
  skipped: boolean;
  /** The runner ended (its time limit can end it while a run waits for a slot): no case starts any more. */
  closed: boolean;
  failure?: { readonly index: number; readonly value: Ts; readonly error: unknown };
  readonly inFlight: Set<Promise<void>>;
}

/** A case's outcome as fast-check's runner reads it: null passed, a precondition failure skipped, else failed. */
async function settle(run: ReturnType<fc.IRawProperty<unknown>['run']>): Promise<CaseResult> {
  try {
    const out = await run;
    if (out === null) return 'passed';
    return fc.PreconditionFailure.isFailure(out) ? 'skipped' : { error: out.error };
  } catch (error) {
    return { error };
  }
}

/**
 * The plugin that runs cases at once: each run starts the case and answers "passed" to the runner as soon as fewer
 * than `limit` cases are in flight, so that the runner draws the next value; the case's real outcome goes to `pass`.
 * Once a case failed (or was skipped by a precondition), the runner is interrupted as fast-check's time limit does.
 */
function concurrently<Ts>(limit: number, pass: Pass<Ts>): fc.Plugin<Ts> {
  return () => ({
    decorateRun: (nestedRun) => async (value) => {
      while (pass.inFlight.size >= limit) await Promise.race(pass.inFlight);
      if (pass.failure !== undefined || pass.skipped || pass.closed) return new fc.PreconditionFailure(true);
      const index = pass.started++;
      const running = settle(nestedRun(value)).then((result) => {
        if (result === 'passed') pass.passed += 1;
        // fast-check draws another value for each skipped one; how many it draws is its business: the sequential run's.
        else if (result === 'skipped') pass.skipped = true;
        else if (pass.failure === undefined || index < pass.failure.index) pass.failure = { index, value, error: result.error };
      });
      pass.inFlight.add(running);
      void running.then(() => pass.inFlight.delete(running));
      return null;
    },
  });
}

/** A sequential run's outcome. */
const outcomeOf = <Ts>(details: fc.RunDetails<Ts>): CheckOutcome<Ts> =>
  details.failed
    ? { failed: true, details }
    : { failed: false, numRuns: details.numRuns, interrupted: details.interrupted, concurrent: false };

export async function checkProperty<Ts>(property: fc.IAsyncProperty<Ts>, options: CheckOptions): Promise<CheckOutcome<Ts>> {
  if (options.path || options.concurrency <= 1) return outcomeOf(await checkSequentially(property, options));
  const pass: Pass<Ts> = { started: 0, passed: 0, skipped: false, closed: false, inFlight: new Set() };
  const first = await fc.check(property, {
    seed: options.seed,
    numRuns: options.numRuns,
    plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs) as fc.Plugin<Ts>, concurrently(options.concurrency, pass)],
  });
  pass.closed = true;
  while (pass.inFlight.size > 0) await Promise.all(pass.inFlight);
  const { failure } = pass;
  if (failure === undefined && !pass.skipped) {
    return { failed: false, numRuns: pass.passed, interrupted: first.interrupted, concurrent: true };
  }
  const details = await checkSequentially(property, options);
  if (details.failed || failure === undefined) return outcomeOf(details);
  return { failed: true, unreproduced: { path: String(failure.index), value: failure.value, error: failure.error, sequential: details } };
}
