/**
 * Runs a property the way every property of this project runs: seeded from the run's one seed (printed first),
 * bounded in runs and in time, independent cases several at a time (concurrent-check.ts), and, when it fails,
 * reported with fast-check's shrunk counterexample and the exact command that replays it.
 */
import fc from 'fast-check';
import { test } from '../../fixtures/index.js';
import { RuleViolation } from '../../lib/checks/index.js';
import type { TargetsConfig } from '../../lib/config/targets.js';
import { REDACTED } from '../../lib/redaction.js';
import { checkProperty, type UnreproducedFailure } from './concurrent-check.js';

export interface PropertyBounds {
  /** Runs when NUM_RUNS does not say otherwise. */
  readonly numRuns: number;
  /** Wall-clock budget of the whole property, shrinking included; runs left when it expires are not made. */
  readonly timeLimitMs: number;
  /** The generated values stand for personal data: the counterexample is masked in the report, the replay shows it. */
  readonly personalValues?: boolean;
  /**
   * Cases in flight at once, for a property whose cases are independent (each makes its own resources); 1 when unset.
   * PROPERTY_CONCURRENCY lowers it, e.g. to 1 for a target that limits concurrent calls.
   */
  readonly concurrency?: number;
}

/** The cases a property may run at once: its own bound, lowered by PROPERTY_CONCURRENCY. */
function concurrencyOf(bounds: PropertyBounds): number {
  const given = process.env.PROPERTY_CONCURRENCY?.trim();
  const cap = given ? Number(given) : Infinity;
  if (!(Number.isInteger(cap) && cap >= 1) && cap !== Infinity) {
    throw new Error(`PROPERTY_CONCURRENCY must be a whole number of at least 1, got "${given ?? ''}"`);
  }
  return Math.min(bounds.concurrency ?? 1, cap);
}

/** A test title as a -g argument: a regular expression that matches it literally, safe inside double quotes. */
const grepFor = (title: string): string => title.replace(/[.*+?^${}()|[\]\\"`]/g, '\\$&');

/**
 * A model test's command sequence also needs the commands' own replay path to come back exactly as shrunk: fast-check
 * prints it in the counterexample, the replay command passes it on in FC_COMMANDS_PATH, and the commands arbitrary
 * reads it from there.
 */
export const commandsReplayPath = (): string | undefined => process.env.FC_COMMANDS_PATH?.trim() || undefined;

/** The command that runs this test again with the same seed (and, given a path, straight to the failing case). */
export function replayCommand(seed: number, title: string, path?: string, commandsPath?: string): string {
  const env = [`SEED=${seed}`, ...(path ? [`FC_PATH=${path}`] : []), ...(commandsPath ? [`FC_COMMANDS_PATH='${commandsPath}'`] : [])];
  return `${env.join(' ')} npx playwright test --project=properties --project=issuer-properties -g "${grepFor(title)}"`;
}

export class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
}

/**
 * The error a failed property ends the test with. When the property failed on a RuleViolation, it is that violation
 * again (rule, documented, received first), so that reports weigh the failure by the provenance of the rule that
 * actually failed, an inferred rule inside a test of documented ones being a warning; the replay commands and
 * fast-check's report follow.
 */
function failure(cause: unknown, text: string): Error {
  const error =
    cause instanceof RuleViolation
      ? new RuleViolation(cause.ruleId, cause.pointer, cause.documented, cause.received, cause.violations)
      : new PropertyFailure(text);
  if (cause instanceof RuleViolation) error.message = `${cause.message}\n\n${text}`;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  error.stack = [`${error.name}: ${error.message}`, ...frames].join('\n');
  return error;
}

/** The generated values stand for personal data: the counterexample is masked, the replay command shows it. */
const masked = (report: string, bounds: PropertyBounds): string =>
  bounds.personalValues
    ? report.replace(
        /^Counterexample: .*$/m,
        `Counterexample: ${REDACTED} (the field holds personal data; the replay command below shows it)`,
      )
    : report;

/**
 * A failure of the concurrent pass that the sequential run did not meet again: reported as found, with the case's own
 * replay path, since it says the cases are not independent (or the target answers differently under load).
 */
function unreproducedReport<Ts>(failed: UnreproducedFailure<Ts>): string {
  const { sequential } = failed;
  const error = failed.error instanceof Error ? (failed.error.stack ?? failed.error.message) : String(failed.error);
  return (
    `Run ${failed.path} failed while other cases ran alongside it, but the same seed run one case at a time did not ` +
    `fail (${sequential.numRuns} runs${sequential.interrupted ? ', time limit reached' : ''}): the cases are not ` +
    `independent of one another, or the target answers differently under concurrent calls.\n` +
    `Counterexample: ${fc.stringify(failed.value)}\n\nGot error: ${error}`
  );
}

/**
 * Checks the property with the run's seed; FC_PATH (printed by a failure) goes straight to the failing case. On
 * failure the error holds the replay commands first, then fast-check's report: the counterexample, how far it
 * shrank, and the error the property threw (a RuleViolation states documented against received). Cases run
 * several at a time when the bounds allow it; a failure is then reported by fast-check's own sequential run of the
 * same seed, so the report, the counterexample and the replay path are those of a sequential run.
 */
export async function assertProperty<Ts>(config: TargetsConfig, property: fc.IAsyncProperty<Ts>, bounds: PropertyBounds): Promise<void> {
  const title = test.info().title;
  const seed = config.seed;
  const numRuns = config.numRuns ?? bounds.numRuns;
  const path = process.env.FC_PATH?.trim() || undefined;
  const concurrency = concurrencyOf(bounds);
  console.log(`seed=${seed} numRuns=${numRuns}${path ? ` path=${path}` : ''} property="${title}"`);
  const outcome = await checkProperty(property, { seed, numRuns, timeLimitMs: bounds.timeLimitMs, concurrency, path });
  const made = outcome.failed ? (outcome.details ?? outcome.unreproduced.sequential) : outcome;
  const manner = !outcome.failed && outcome.concurrent ? `, up to ${concurrency} at a time` : '';
  test.info().annotations.push({
    type: 'property',
    description: `seed=${seed}, ${made.numRuns} of ${numRuns} runs${manner}${made.interrupted ? ' (time limit reached)' : ''}`,
  });
  if (!outcome.failed) return;
  const report = outcome.details
    ? masked((await fc.asyncDefaultReportMessage(outcome.details)) ?? 'the property failed', bounds)
    : masked(unreproducedReport(outcome.unreproduced), bounds);
  const casePath = outcome.details ? (outcome.details.counterexamplePath ?? undefined) : outcome.unreproduced.path;
  const commandsPath = /replayPath="([^"]+)"/.exec(report)?.[1];
  throw failure(
    outcome.details ? outcome.details.errorInstance : outcome.unreproduced.error,
    `property failed: ${title}\n` +
      `replay:           ${replayCommand(seed, title)}\n` +
      `replay this case: ${replayCommand(seed, title, casePath, commandsPath)}\n\n` +
      report,
  );
}
