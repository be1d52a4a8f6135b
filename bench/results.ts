/**
 * The shape of bench/results.json and the Markdown table made from it (bench/results.md, shown in the README).
 */
import type { TargetNetwork } from '../lib/http/pacing.js';
import type { ShapingProfile } from '../mocks/network/shaping-proxy.js';
import { evenlySpread } from './observer-figures.js';
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

/** The least and the most of a figure over the rounds: how far to trust its median. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** One round of the side-by-side: each side's requests per second, the observer's taken just before or after the mock's. */
export interface ObserverRound {
  readonly mockD1: number;
  readonly observer: number;
  /** observer ÷ mock D1, in this round. */
  readonly ratio: number;
}

/**
 * The same profile reads against the mock D1 alone and against the observer recording in front of its embedded one,
 * each in a process of its own, taking turns round by round.
 */
export interface ObserverComparison {
  /** The request both sides got, in words. */
  readonly request: string;
  readonly connections: number;
  readonly warmUpSeconds: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly perRound: readonly ObserverRound[];
  readonly mockD1: ServerFigures;
  readonly observer: ServerFigures;
  /** The median of the rounds' ratios: a round slowed by load from elsewhere moves it less than it moves a mean. */
  readonly medianRatio: number;
  readonly spread: { readonly mockD1: Range; readonly observer: Range; readonly ratio: Range };
}

export interface ObserverMemoryFigures {
  /** Profile reads sent through the observer in the load; the preparation's few calls come before and are not counted. */
  readonly calls: number;
  /** RSS of the idle observer after the preparation, its embedded mock D1 and tsx's loader included. */
  readonly rssAtStartMiB: number;
  readonly rssMiB: number;
  readonly rssAfterGcMiB: number;
  readonly heapUsedMiB: number;
  readonly heapUsedAfterGcMiB: number;
  /** RSS as it stood after each batch of the load: whether it levels off or grows with the calls. */
  readonly rssAlong: readonly { readonly calls: number; readonly rssMiB: number }[];
  /** What the load added to the journal directory, in bytes. */
  readonly journalBytes: number;
  readonly journalBytesPerCall: number;
  /** The load's batches together: calls per second over their seconds, p50 and p99, non-2xx and errors. */
  readonly load: ServerFigures;
}

/**
 * The observer in recording mode, alone in its process with its embedded mock D1, under a Click to Pay profile read
 * repeated as a bank's load test would: its memory after many calls, and its throughput beside the mock D1's.
 */
export type ObserverFigures =
  | { readonly skipped: true; readonly reason: string }
  | {
      readonly skipped: false;
      readonly comparison: ObserverComparison;
      readonly memory: ObserverMemoryFigures;
      /** 1-minute load average as the step started and as it ended (its own load included): the machine is shared. */
      readonly loadAverage: { readonly start: number; readonly end: number };
    };

/** The links of the network step, in the order they run: loopback first, the reference of the others. */
export const NETWORK_LINKS = ['loopback', 'latency', 'gateway', 'unavailable'] as const;
export type NetworkLinkName = (typeof NETWORK_LINKS)[number];

/** A test whose outcome behind a shaped link is not its loopback outcome; null where the run did not hold the test. */
export interface OutcomeDifference {
  readonly test: string;
  readonly loopback: string | null;
  readonly shaped: string | null;
}

/** One certification of the network step: both mocks as commands, behind a shaping proxy each unless on loopback. */
export interface NetworkLinkRun {
  /** The profile of the proxy in front of each mock; null on loopback, where there is no proxy. */
  readonly profile: ShapingProfile | null;
  readonly run: Extract<CertifyFigures, { skipped: false }>;
  /** 1-minute load average as the run started and as it ended (the run's own load included): the machine is shared. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** How many tests ended in each outcome, from certification/tests.json; null when the run wrote none. */
  readonly outcomes: Readonly<Record<string, number>> | null;
  /** How the network to each target behaved, from certification/network.json; null when the run wrote none. */
  readonly network: readonly TargetNetwork[] | null;
  /**
   * Tests whose outcome is not loopback's (the first few named); null for loopback itself, or when loopback wrote no
   * results to compare with. A shaped run that wrote none differs in every test.
   */
  readonly differing: { readonly count: number; readonly tests: readonly OutcomeDifference[] } | null;
}

/** The figures of the network step, each null when a run it needs wrote nothing to take it from. */
export interface NetworkLinkRatios {
  /** Wall time behind the latency ÷ on loopback. */
  readonly latencyOverLoopback: number | null;
  /** The least the run behind the gateway could take: the most requests it let through to one target ÷ its rate. */
  readonly gatewayFloorSeconds: number | null;
  readonly gatewayOverFloor: number | null;
  /** Requests answered 429 ÷ requests sent, both targets together, behind the gateway, in percent. */
  readonly refusedSharePercent: number | null;
  /** Tests whose outcome behind the 503s differs from loopback's. */
  readonly unavailableDiffering: number | null;
  /** 503s absorbed behind the 503s, both targets together. */
  readonly unavailableAbsorbed: number | null;
}

/**
 * `npm run certify` on the same part of the suites four times, with the same seed, on both mocks as commands: on
 * loopback, then behind 80 ms latency, a 20 requests/s gateway and 1 % 503s on both links.
 */
export type NetworkLinkFigures =
  | { readonly skipped: true; readonly reason: string }
  | {
      readonly skipped: false;
      /** Playwright's file filters of the part of the suites run; empty for the whole suite. */
      readonly subset: readonly string[];
      /** The suites' SEED and the shaping proxies' seed. */
      readonly seed: number;
      readonly gatewayPerSecond: number;
      readonly runs: Readonly<Record<NetworkLinkName, NetworkLinkRun>>;
      readonly figures: NetworkLinkRatios;
    };

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
  /** Absent from the results of a bench that had no network step. */
  readonly networkLinks?: NetworkLinkFigures;
  /** Absent from the results of a bench that had no observer step. */
  readonly observer?: ObserverFigures;
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

const LINK_NAMES: Readonly<Record<NetworkLinkName, string>> = {
  loopback: 'loopback, no proxy',
  latency: '80 ms latency',
  gateway: 'a gateway of 20 requests/s',
  unavailable: '1 % 503 with Retry-After: 1',
};

const count = (value: number, one: string, many = `${one}s`): string => `${integer(value)} ${value === 1 ? one : many}`;

/** `d1 1,234; issuer 560`, the targets as network.json names them. */
const requestsOf = (network: readonly TargetNetwork[] | null): string =>
  network === null ? 'no network.json' : network.map((n) => `${n.target} ${integer(n.requests)}`).join('; ') || 'none';

/** The faults absorbed and the requests given up, e.g. `throttled 12, unavailable 3`, or `none`. */
function absorbedOf(network: readonly TargetNetwork[] | null): string {
  if (network === null) return '–';
  const totals = new Map<string, number>();
  for (const target of network)
    for (const [kind, n] of [...Object.entries(target.faults), ['given up', target.gaveUp] as const])
      totals.set(kind, (totals.get(kind) ?? 0) + n);
  const nonZero = [...totals].filter(([, n]) => n > 0);
  return nonZero.length === 0 ? 'none' : nonZero.map(([kind, n]) => `${kind} ${integer(n)}`).join(', ');
}

function outcomesCell(link: NetworkLinkRun): string {
  if (link.differing !== null)
    return link.differing.count === 0
      ? "loopback's"
      : `**${count(link.differing.count, 'test')} ${link.differing.count === 1 ? 'differs' : 'differ'}**`;
  if (link.outcomes === null) return 'no tests.json';
  const total = Object.values(link.outcomes).reduce((sum, n) => sum + n, 0);
  return `${count(total, 'test')}: ${Object.entries(link.outcomes)
    .map(([outcome, n]) => `${integer(n)} ${outcome}`)
    .join(', ')}`;
}

function wallCell(name: NetworkLinkName, link: NetworkLinkRun, figures: NetworkLinkRatios): string {
  const wall = `${link.run.finished ? '' : 'more than '}${oneDecimal(link.run.wallSeconds)} s`;
  if (name === 'latency' && figures.latencyOverLoopback !== null) return `${wall} (${ratio2(figures.latencyOverLoopback)} loopback's)`;
  if (name === 'gateway' && figures.gatewayOverFloor !== null && figures.gatewayFloorSeconds !== null)
    return `${wall} (${ratio2(figures.gatewayOverFloor)} the floor of ${oneDecimal(figures.gatewayFloorSeconds)} s)`;
  return wall;
}

/** The network step's own table: one row per link, what the run took, sent, absorbed, and how its tests ended. */
function networkLinkLines(network: NetworkLinkFigures | undefined): string[] {
  if (network === undefined) return [];
  if (network.skipped) return ['', `Certification across shaped links: not measured: ${network.reason}.`];
  const what = network.subset.length === 0 ? 'the whole suite' : network.subset.map((filter) => `\`${filter}\``).join(', ');
  const { figures } = network;
  const refused =
    figures.refusedSharePercent === null
      ? ''
      : `; the gateway refused ${formatFigure(figures.refusedSharePercent, '%')} of the requests sent`;
  const absorbed = figures.unavailableAbsorbed === null ? '' : `; ${count(figures.unavailableAbsorbed, '503')} absorbed`;
  return [
    '',
    `Certification across shaped links: \`npm run certify\` on ${what}, both mocks as commands, seed ${network.seed}, ` +
      `the runs one after the other, each link shaped alike in front of D1 and of the bank's endpoints${refused}${absorbed}.`,
    '',
    '| link | wall time | requests per target | faults absorbed | outcomes | load average |',
    '|---|---:|---|---|---|---:|',
    ...NETWORK_LINKS.map((name) => {
      const link = network.runs[name];
      return (
        `| ${LINK_NAMES[name]} | ${wallCell(name, link, figures)} | ${requestsOf(link.network)} | ${absorbedOf(link.network)} | ` +
        `${outcomesCell(link)} | ${link.loadAverage.start.toFixed(2)} → ${link.loadAverage.end.toFixed(2)} |`
      );
    }),
  ];
}

/** The network step alone, as `npm run bench -- --only=network` prints it: its table and its targets. */
export function networkLinksMarkdown(network: NetworkLinkFigures, targets: readonly TargetResult[]): string {
  const own = new Set(TARGETS.filter((t) => t.section === 'networkLinks').map((t) => t.id));
  return [
    ...networkLinkLines(network).slice(1),
    '',
    '| target | measured | target | met |',
    '|---|---:|---:|:---:|',
    ...targets.filter((t) => own.has(t.id)).map(targetRow),
    '',
  ].join('\n');
}

const MIB = 1024 * 1024;
/** The RSS samples a table row shows: enough to tell a level from a slope. */
const RSS_SAMPLES_SHOWN = 6;

/** Bytes as a reader wants them: `812 B`, `1.5 MiB`, `1.46 GiB`. */
function bytes(value: number): string {
  if (value < 1024) return `${integer(value)} B`;
  if (value < 1024 * MIB) return `${oneDecimal(value / MIB)} MiB`;
  return `${(value / 1024 / MIB).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} GiB`;
}

const rangeOf = (range: Range, format: (value: number) => string): string => `${format(range.min)} to ${format(range.max)}`;

/** The observer step's tables: the side-by-side round by round, then its memory and journal after the load. */
function observerLines(observer: ObserverFigures | undefined): string[] {
  if (observer === undefined) return [];
  if (observer.skipped) return ['', `Observer: not measured: ${observer.reason}.`];
  const { comparison, memory } = observer;
  const after = `observer after ${integer(memory.calls)} calls`;
  const caveat = memory.load.non2xx + memory.load.errors > 0 ? '**' : '';
  return [
    '',
    `Observer, recording (its embedded mock D1 in its process), beside the mock D1 alone: each gets the same ` +
      `${comparison.request} from ${comparison.connections} connections, each alone in its process; ` +
      `a ${comparison.warmUpSeconds} s warm-up each, then ${comparison.rounds} rounds of ${comparison.roundSeconds} s, the order ` +
      `alternating; load average ${observer.loadAverage.start.toFixed(2)} → ${observer.loadAverage.end.toFixed(2)}.`,
    '',
    '| round | mock D1 requests/s | observer requests/s | observer ÷ mock D1 |',
    '|---|---:|---:|---:|',
    ...comparison.perRound.map(
      (round, index) => `| ${index + 1} | ${integer(round.mockD1)} | ${integer(round.observer)} | ${ratio2(round.ratio)} |`,
    ),
    `| all rounds: median ratio; spread | ${rangeOf(comparison.spread.mockD1, integer)} | ` +
      `${rangeOf(comparison.spread.observer, integer)} | ${ratio2(comparison.medianRatio)}; ${rangeOf(comparison.spread.ratio, ratio2)} |`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| ${after}: RSS (idle before the load; after a full GC) | ` +
      `${oneDecimal(memory.rssMiB)} MiB (${oneDecimal(memory.rssAtStartMiB)} MiB; ${oneDecimal(memory.rssAfterGcMiB)} MiB) |`,
    `| ${after}: heap used (after a full GC) | ${oneDecimal(memory.heapUsedMiB)} MiB (${oneDecimal(memory.heapUsedAfterGcMiB)} MiB) |`,
    `| observer RSS along the load, after so many calls | ` +
      `${evenlySpread(memory.rssAlong, RSS_SAMPLES_SHOWN)
        .map((sample) => `${integer(sample.calls)}: ${oneDecimal(sample.rssMiB)} MiB`)
        .join('; ')} |`,
    `| ${after}: journal written (per call) | ${bytes(memory.journalBytes)} (${integer(memory.journalBytesPerCall)} B) |`,
    `| ${after}: calls/s during the load; p50, p99 | ${integer(memory.load.requestsPerSecond)}; ` +
      `${milliseconds(memory.load.latencyP50Ms)}, ${milliseconds(memory.load.latencyP99Ms)} |`,
    `| ${after}: answers outside 2xx; connection errors and timeouts | ` +
      `${caveat}${integer(memory.load.non2xx)}; ${integer(memory.load.errors)}${caveat} |`,
  ];
}

/** The observer step alone, as `npm run bench -- --only=observer` prints it: its tables and its targets. */
export function observerMarkdown(observer: ObserverFigures, targets: readonly TargetResult[]): string {
  const own = new Set(TARGETS.filter((t) => t.section === 'observer').map((t) => t.id));
  return [
    ...observerLines(observer).slice(1),
    '',
    '| target | measured | target | met |',
    '|---|---:|---:|:---:|',
    ...targets.filter((t) => own.has(t.id)).map(targetRow),
    '',
  ].join('\n');
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
    ...networkLinkLines(results.networkLinks),
    ...observerLines(results.observer),
    '',
    '| target | measured | target | met |',
    '|---|---:|---:|:---:|',
    ...results.targets.map(targetRow),
    '',
  ];
  return lines.join('\n');
}
