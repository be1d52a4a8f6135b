/**
 * Runs a property the way every property of this project runs: seeded from the run's one seed (printed first),
 * bounded in runs and in time, and, when it fails, reported with fast-check's shrunk counterexample and the exact
 * command that replays it.
 */
import fc from 'fast-check';
import { test } from '../../fixtures/index.js';
import { RuleViolation } from '../../lib/checks/index.js';
import type { TargetsConfig } from '../../lib/targets-config.js';
import { REDACTED } from '../../lib/redaction.js';

export interface PropertyBounds {
  /** Runs when NUM_RUNS does not say otherwise. */
  readonly numRuns: number;
  /** Wall-clock budget of the whole property, shrinking included; runs left when it expires are not made. */
  readonly timeLimitMs: number;
  /** The generated values stand for personal data: the counterexample is masked in the report, the replay shows it. */
  readonly personalValues?: boolean;
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

/**
 * Checks the property with the run's seed; FC_PATH (printed by a failure) goes straight to the failing case. On
 * failure the error holds the replay commands first, then fast-check's report: the counterexample, how far it
 * shrank, and the error the property threw (a RuleViolation states documented against received).
 */
export async function assertProperty<Ts>(config: TargetsConfig, property: fc.IAsyncProperty<Ts>, bounds: PropertyBounds): Promise<void> {
  const title = test.info().title;
  const seed = config.seed;
  const numRuns = config.numRuns ?? bounds.numRuns;
  const path = process.env.FC_PATH?.trim() || undefined;
  console.log(`seed=${seed} numRuns=${numRuns}${path ? ` path=${path}` : ''} property="${title}"`);
  const details = await fc.check(property, {
    seed,
    numRuns,
    plugins: [fc.interruptAfterTimeLimit(bounds.timeLimitMs)],
    includeErrorInReport: true,
    ...(path ? { path, endOnFailure: true } : {}),
  });
  test.info().annotations.push({
    type: 'property',
    description: `seed=${seed}, ${details.numRuns} of ${numRuns} runs${details.interrupted ? ' (time limit reached)' : ''}`,
  });
  if (!details.failed) return;
  const fullReport = (await fc.asyncDefaultReportMessage(details)) ?? 'the property failed';
  const report = bounds.personalValues
    ? fullReport.replace(
        /^Counterexample: .*$/m,
        `Counterexample: ${REDACTED} (the field holds personal data; the replay command below shows it)`,
      )
    : fullReport;
  const commandsPath = /replayPath="([^"]+)"/.exec(report)?.[1];
  throw failure(
    details.errorInstance,
    `property failed: ${title}\n` +
      `replay:           ${replayCommand(seed, title)}\n` +
      `replay this case: ${replayCommand(seed, title, details.counterexamplePath ?? undefined, commandsPath)}\n\n` +
      report,
  );
}
