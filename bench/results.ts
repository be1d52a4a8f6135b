/**
 * The shape of bench/results.json and the Markdown table made from it (bench/results.md, shown in the README).
 */
import { TARGETS, formatFigure, formatTarget, type TargetResult } from './targets.js';

/** One server under load: throughput over every measured round, latencies in milliseconds. */
export interface ServerFigures {
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Requests answered in the measured rounds. */
  readonly requests: number;
  /** Answers outside 2xx: a figure measured on error answers would not be the one asked for. */
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
}

export interface MachineFigures {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryMiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the bench started: how busy the shared machine already was. */
  readonly loadAverageAtStart: number;
  /** Share of the last minute some task waited for a CPU when the bench started (Linux PSI), in percent; null where unavailable. */
  readonly cpuPressureAtStart: number | null;
}

export interface HttpComparison {
  /** The request every server got, in words. */
  readonly request: string;
  readonly connections: number;
  readonly warmUpSeconds: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly prismVersion: string;
  /** `prism` runs as `prism mock` does by default; `prismQuiet` with `--verboseLevel warn`, its best case. */
  readonly servers: {
    readonly mockD1: ServerFigures;
    readonly prism: ServerFigures;
    readonly prismQuiet: ServerFigures;
    readonly bare: ServerFigures;
  };
  readonly ratios: { readonly mockD1OverPrism: number; readonly mockD1OverQuietPrism: number; readonly mockD1OverBare: number };
}

export interface PropertyThroughput {
  readonly cases: number;
  readonly seconds: number;
  readonly casesPerSecond: number;
  readonly seed: number;
  /** Answers of the mock D1 that broke their contract: expected 0, a throughput of wrong answers would mean little. */
  readonly responseViolations: number;
  readonly operations: readonly string[];
}

export interface ValidatorThroughput {
  readonly validations: number;
  readonly seconds: number;
  readonly validationsPerSecond: number;
  /** Distinct generated payloads validated in turn, valid and broken. */
  readonly payloads: number;
}

export type CertifyFigures =
  | { readonly skipped: true; readonly reason: string }
  | {
      readonly skipped: false;
      readonly wallSeconds: number;
      readonly exitCode: number | null;
      /** False when the run was stopped at the bench's time limit. */
      readonly finished: boolean;
      /** Peak of the summed RSS of certify's whole process tree. */
      readonly peakTreeRssMiB: number;
      readonly memoryMethod: string;
      /** The largest single process's peak RSS, from /usr/bin/time -v, when it is installed. */
      readonly largestProcessRssMiB: number | null;
      readonly workers: number;
      /** Tests run and failed, from the run's JUnit report; null when it wrote none. */
      readonly tests: number | null;
      readonly failed: number | null;
    };

/**
 * `npm run certify` four ways in one bench run, so that the ratios compare runs on the same machine at the same time:
 * on the embedded mocks and on both mocks started as commands (external targets, D1 notifying the suite's receiver
 * on NOTIFY_SINK_PORT), each conformant and with a set of planted bugs that fails about 250 tests.
 */
export type CertifyComparison =
  | { readonly skipped: true; readonly reason: string }
  | {
      readonly skipped: false;
      readonly failingSet: { readonly d1Faults: readonly string[]; readonly issuerFaults: readonly string[] };
      readonly embedded: CertifyFigures;
      readonly embeddedFailing: CertifyFigures;
      readonly external: CertifyFigures;
      readonly externalFailing: CertifyFigures;
      /** External wall time ÷ embedded wall time; null when a run is missing. */
      readonly ratios: { readonly conformant: number | null; readonly failing: number | null };
    };

export interface MockMemoryFigures {
  /** RSS of the idle mock before the load: the runtime and the loaded modules (tsx's loader included, as `npm run mock:d1` runs it). */
  readonly rssAtStartMiB: number;
  readonly requests: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapUsedAfterGcMiB: number;
  readonly requestsPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface BenchResults {
  readonly date: string;
  readonly machine: MachineFigures;
  readonly benchSeconds: number;
  readonly http: HttpComparison;
  readonly properties: PropertyThroughput;
  readonly validators: ValidatorThroughput;
  readonly certify: CertifyFigures;
  readonly certifyComparison: CertifyComparison;
  readonly mockD1Memory: MockMemoryFigures;
  readonly targets: readonly TargetResult[];
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
const oneDecimal = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const ratio = (value: number): string => `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 })}×`;
const ratio2 = (value: number): string => `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })}×`;
const milliseconds = (value: number): string => `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;

function serverRow(name: string, figures: ServerFigures): string {
  const caveat = figures.non2xx + figures.errors > 0 ? ` (${integer(figures.non2xx)} non-2xx, ${integer(figures.errors)} errors)` : '';
  return (
    `| ${name}${caveat} | ${integer(figures.requestsPerSecond)} | ` +
    `${milliseconds(figures.latencyP50Ms)} | ${milliseconds(figures.latencyP99Ms)} |`
  );
}

function certifyRows(certify: CertifyFigures): string[] {
  if (certify.skipped) return [`| \`npm run certify\` on the embedded mocks | not measured: ${certify.reason} |`];
  const outcome = certify.finished ? `exit code ${String(certify.exitCode)}` : 'stopped at the bench time limit';
  const wall = `${certify.finished ? '' : 'more than '}${oneDecimal(certify.wallSeconds)} s`;
  const largest =
    certify.largestProcessRssMiB === null
      ? ''
      : `; largest single process ${oneDecimal(certify.largestProcessRssMiB)} MiB (/usr/bin/time -v)`;
  return [
    `| \`npm run certify\` on the embedded mocks: wall time (${outcome}) | ${wall} |`,
    `| \`npm run certify\`: peak memory, ${certify.memoryMethod}${largest} | ${oneDecimal(certify.peakTreeRssMiB)} MiB |`,
  ];
}

const runOutcome = (run: CertifyFigures): string => {
  if (run.skipped) return `not measured: ${run.reason}`;
  const wall = `${run.finished ? '' : 'more than '}${oneDecimal(run.wallSeconds)} s`;
  const tests = run.tests === null ? 'no JUnit report' : `${integer(run.tests)} tests, ${integer(run.failed ?? 0)} failed`;
  return `${wall} (${tests}, ${run.workers} workers, ${run.finished ? `exit code ${String(run.exitCode)}` : 'stopped at its time limit'})`;
};

function comparisonRows(comparison: CertifyComparison): string[] {
  if (comparison.skipped)
    return [`| \`npm run certify\` on external targets and the embedded mocks | not measured: ${comparison.reason} |`];
  const faults = [...comparison.failingSet.d1Faults, ...comparison.failingSet.issuerFaults].length;
  const ratio = (value: number | null): string => (value === null ? 'not measured' : `${ratio2(value)}`);
  return [
    `| \`npm run certify\`, embedded mocks, conformant | ${runOutcome(comparison.embedded)} |`,
    `| \`npm run certify\`, both mocks as commands (external targets), conformant | ${runOutcome(comparison.external)} |`,
    `| \`npm run certify\`, embedded mocks, ${faults} planted bugs | ${runOutcome(comparison.embeddedFailing)} |`,
    `| \`npm run certify\`, both mocks as commands, the same ${faults} planted bugs | ${runOutcome(comparison.externalFailing)} |`,
    `| external ÷ embedded wall time: conformant; with the planted bugs | ` +
      `${ratio(comparison.ratios.conformant)}; ${ratio(comparison.ratios.failing)} |`,
  ];
}

function targetRow(target: TargetResult): string {
  const definition = TARGETS.find((t) => t.id === target.id) ?? {
    comparison: target.comparison,
    threshold: target.target,
    unit: target.unit,
  };
  const measured = target.value === null ? 'not measured' : formatFigure(target.value, target.unit);
  const met = target.met === null ? '–' : target.met ? 'yes' : '**no**';
  return `| ${target.description} | ${measured} | ${formatTarget(definition)} | ${met} |`;
}

/** bench/results.md: the machine, the three servers side by side, the other figures, and the targets. */
export function resultsMarkdown(results: BenchResults): string {
  const { machine, http } = results;
  const lines = [
    '<!-- written by npm run bench from bench/results.json; do not edit -->',
    `Measured ${results.date.slice(0, 10)} on ${machine.cpus} CPUs (${machine.cpuModel}), ` +
      `${oneDecimal(machine.totalMemoryMiB / 1024)} GiB, Node ${machine.node}, ${machine.platform}; ` +
      `load average ${machine.loadAverageAtStart.toFixed(2)}` +
      (machine.cpuPressureAtStart === null ? '' : `, tasks waiting for a CPU ${Math.round(machine.cpuPressureAtStart)} % of the time`) +
      ' when it started. ' +
      'The machine is shared: the ratios say more than the absolute figures.',
    '',
    `Each server gets the same ${http.request} from ${http.connections} connections: ` +
      `a ${http.warmUpSeconds} s warm-up, then ${http.rounds} rounds of ${http.roundSeconds} s, ` +
      'the servers taking turns, each alone in its process.',
    '',
    '| server | requests/s | p50 | p99 |',
    '|---|---:|---:|---:|',
    serverRow('mock D1', http.servers.mockD1),
    serverRow(`Prism ${http.prismVersion}, same contract, default logging (\`prism mock\`)`, http.servers.prism),
    serverRow(
      `Prism ${http.prismVersion}, same contract, \`--verboseLevel warn\` (mock D1 ÷ this: ${ratio(http.ratios.mockD1OverQuietPrism)})`,
      http.servers.prismQuiet,
    ),
    serverRow('bare `node:http`, fixed JSON body (loopback ceiling)', http.servers.bare),
    '',
    '| measure | value |',
    '|---|---:|',
    `| property cases per second: generated, sent to the mock D1, answer validated (${integer(results.properties.cases)} cases) | ` +
      `${integer(results.properties.casesPerSecond)} |`,
    `| notification payload validations per second (generated validators, ${integer(results.validators.payloads)} payloads) | ` +
      `${integer(results.validators.validationsPerSecond)} |`,
    ...certifyRows(results.certify),
    ...comparisonRows(results.certifyComparison),
    `| mock D1 alone after ${integer(results.mockD1Memory.requests)} requests: RSS (idle before the load) | ` +
      `${oneDecimal(results.mockD1Memory.rssMiB)} MiB (${oneDecimal(results.mockD1Memory.rssAtStartMiB)} MiB) |`,
    `| mock D1 alone after ${integer(results.mockD1Memory.requests)} requests: heap used (after a full GC) | ` +
      `${oneDecimal(results.mockD1Memory.heapUsedMiB)} MiB (${oneDecimal(results.mockD1Memory.heapUsedAfterGcMiB)} MiB) |`,
    '',
    '| target | measured | target | met |',
    '|---|---:|---:|:---:|',
    ...results.targets.map(targetRow),
    '',
  ];
  return lines.join('\n');
}
