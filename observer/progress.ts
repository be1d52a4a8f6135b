import type { PlanProgress } from './plan.js';

/** What the live display reads from a running observer. */
export interface Watched {
  progress(): PlanProgress;
  departuresSoFar(): readonly string[];
  observedCalls(): number;
}

export interface PlanWatch {
  /** Settles once every step of the plan is covered. */
  readonly complete: Promise<void>;
  /** Where the plan stood at the last look. */
  last(): PlanProgress;
  stop(): void;
}

const CLEAR_DOWN = '\u001b[J';
const up = (lines: number): string => (lines > 0 ? `\u001b[${lines}A\r` : '');

/** The plan's state as lines: one a step, then the departures seen so far. */
export function progressLines(progress: PlanProgress, departures: readonly string[], calls: number): string[] {
  return [
    `certification plan: ${progress.covered}/${progress.steps.length} steps covered, ${calls} calls observed`,
    ...progress.steps.map(
      ({ step, covered, waiting }) => `  [${covered ? 'x' : ' '}] ${step.title}${covered ? '' : `: waiting for ${waiting ?? 'a call'}`}`,
    ),
    ...(departures.length > 0 ? [`  contract departures so far: ${departures.join('; ')}`] : []),
  ];
}

/**
 * Shows where the plan stands while the bank drives it. On a terminal the block is redrawn in place; elsewhere (CI
 * logs) a line is printed only when a step is covered or a new departure is seen, so a log stays readable.
 */
export function watchPlan(observer: Watched, options: { write: (text: string) => void; live: boolean; intervalMs?: number }): PlanWatch {
  let drawn = 0;
  let coveredBefore = new Set<string>();
  let departuresBefore = new Set<string>();
  let current = observer.progress();
  let resolveComplete: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => (resolveComplete = resolve));
  const look = (): void => {
    current = observer.progress();
    const departures = observer.departuresSoFar();
    if (options.live) {
      const lines = progressLines(current, departures, observer.observedCalls());
      options.write(`${up(drawn)}${CLEAR_DOWN}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else {
      for (const { step, covered } of current.steps) {
        if (covered && !coveredBefore.has(step.api))
          options.write(`plan: covered ${step.title} (${current.covered}/${current.steps.length})\n`);
      }
      for (const line of departures)
        if (!departuresBefore.has(line.replace(/ ×\d+$/, ''))) options.write(`plan: contract departure ${line}\n`);
    }
    coveredBefore = new Set(current.steps.filter((s) => s.covered).map((s) => s.step.api));
    departuresBefore = new Set(departures.map((d) => d.replace(/ ×\d+$/, '')));
    if (current.complete) resolveComplete();
  };
  look();
  const timer = setInterval(look, options.intervalMs ?? 1_000);
  timer.unref();
  return {
    complete,
    last: () => current,
    stop: () => {
      clearInterval(timer);
      look();
    },
  };
}
