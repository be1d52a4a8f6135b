/**
 * `npm run bench [-- options]`: measures, in one run, the mock D1 against Prism and a bare node:http server, the
 * property cases and notification validations per second, the mock D1's memory after 100,000 requests, and a full
 * `npm run certify` four ways: on the embedded mocks and on both mocks started as commands (external targets), each
 * conformant and with planted bugs, for the external ÷ embedded ratios (`--skip-certify` leaves the four out: they take
 * minutes), and part of the suites on both mocks as commands on loopback and behind shaped links (`--skip-network`
 * leaves it out, `--network-full` runs the whole suite instead, `--only=network` runs that step alone and writes
 * nothing but to `--out`), and the observer recording under a million profile reads, beside the mock D1 alone
 * (`--skip-observer` leaves it out, `--observer-calls N` sends N, `--only=observer` runs that step alone). Writes
 * bench/results.json and bench/results.md. It reports: a missed target is printed, never an exit code.
 *
 * `npm run bench:check [-- file]` judges a results file (bench/results.json by default) by the targets: one line per
 * target; exit code 1 when one is missed, 2 when the file is missing or malformed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkResults } from '../bench/check.js';
import { fromRoot } from '../lib/paths.js';
import { ConfigurationError, configurationErrorLine } from '../lib/config/errors.js';
import { positiveInteger } from '../lib/config/values.js';

const USAGE = `usage: npm run bench -- [--skip-certify] [--skip-network] [--network-full] [--skip-observer] [--observer-calls N]
                        [--rounds N] [--round-seconds S] [--out DIR]
       npm run bench -- --only=network [--network-full] [--out DIR]
       npm run bench -- --only=observer [--observer-calls N] [--rounds N] [--round-seconds S] [--out DIR]
       npm run bench:check -- [FILE]`;

const positiveIntegerOr = (value: string | undefined, flag: string, fallback: number): number =>
  value === undefined ? fallback : positiveInteger(value, flag);

const stringOption = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

function check(file: string): number {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const outcome = checkResults(text, path.relative(process.cwd(), file) || file);
  const write = outcome.exitCode === 2 ? process.stderr : process.stdout;
  for (const line of outcome.lines) write.write(`${line}\n`);
  return outcome.exitCode;
}

interface CommandOptions {
  readonly skipCertify: boolean;
  readonly skipNetwork: boolean;
  readonly networkFull: boolean;
  readonly skipObserver: boolean;
  readonly observerCalls: number | undefined;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly outDir: string;
}

/**
 * The network step alone, for its own figures: printed, and written to `outDir` only when one was given, since
 * bench/results.json holds one whole run and a part would pass for it.
 */
async function networkOnly(options: { networkFull: boolean; outDir: string | undefined }): Promise<number> {
  const { runNetworkLinks, networkTargetValues } = await import('../bench/run.js');
  const { networkLinksMarkdown } = await import('../bench/results.js');
  const { evaluateTargets } = await import('../bench/targets.js');
  const seed = Math.floor(Math.random() * 0x7fffffff);
  const progress = (line: string): void => void process.stdout.write(`bench: ${line}\n`);
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  progress(`${cpus().length} CPUs, load average ${load()}`);
  const started = performance.now();
  const networkLinks = await runNetworkLinks({ skipNetwork: false, networkFull: options.networkFull }, seed, progress);
  const targets = evaluateTargets(networkTargetValues(networkLinks));
  const markdown = networkLinksMarkdown(networkLinks, targets);
  process.stdout.write(
    `\n${markdown}\nbench: network step in ${Math.round((performance.now() - started) / 1000)} s; load average ${load()}\n`,
  );
  if (options.outDir !== undefined) {
    mkdirSync(options.outDir, { recursive: true });
    const file = path.join(options.outDir, 'network-links.json');
    writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), networkLinks, targets }, null, 2)}\n`);
    progress(`written ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

/** The observer step alone, for its own figures: printed, and written to `outDir` only when one was given, as the network step's. */
async function observerOnly(options: {
  observerCalls: number | undefined;
  rounds: number;
  roundSeconds: number;
  outDir: string | undefined;
}): Promise<number> {
  const { runObserverStep, observerTargetValues } = await import('../bench/run.js');
  const { observerMarkdown } = await import('../bench/results.js');
  const { evaluateTargets } = await import('../bench/targets.js');
  const progress = (line: string): void => void process.stdout.write(`bench: ${line}\n`);
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  progress(`${cpus().length} CPUs, load average ${load()}`);
  const started = performance.now();
  const observer = await runObserverStep(options, progress);
  const targets = evaluateTargets(observerTargetValues(observer));
  process.stdout.write(
    `\n${observerMarkdown(observer, targets)}\nbench: observer step in ${Math.round((performance.now() - started) / 1000)} s; ` +
      `load average ${load()}\n`,
  );
  if (options.outDir !== undefined) {
    mkdirSync(options.outDir, { recursive: true });
    const file = path.join(options.outDir, 'observer.json');
    writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), observer, targets }, null, 2)}\n`);
    progress(`written ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

async function bench(options: CommandOptions): Promise<number> {
  // The measuring modules load mocks, Prism's wrapper and autocannon: only a bench run needs them.
  const { runBench } = await import('../bench/run.js');
  const results = await runBench(options, (line) => process.stdout.write(`bench: ${line}\n`));
  const { resultsMarkdown } = await import('../bench/results.js');
  mkdirSync(options.outDir, { recursive: true });
  const jsonFile = path.join(options.outDir, 'results.json');
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = resultsMarkdown(results);
  writeFileSync(path.join(options.outDir, 'results.md'), markdown);
  process.stdout.write(
    `\n${markdown}\nbench: written ${path.relative(process.cwd(), jsonFile)} and results.md in ${Math.round(results.benchSeconds)} s\n`,
  );
  check(jsonFile);
  // Benchmarks report; a missed target is for the reader, not for the exit code.
  return 0;
}

function parseCommandLine(argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        check: { type: 'boolean' },
        'skip-certify': { type: 'boolean' },
        'skip-network': { type: 'boolean' },
        'network-full': { type: 'boolean' },
        'skip-observer': { type: 'boolean' },
        'observer-calls': { type: 'string' },
        only: { type: 'string' },
        rounds: { type: 'string' },
        'round-seconds': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new ConfigurationError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.check) {
    if (positionals.length > 1) throw new ConfigurationError(`bench:check takes one results file, got ${positionals.length}`);
    return check(path.resolve(positionals[0] ?? fromRoot('bench', 'results.json')));
  }
  if (positionals.length > 0) throw new ConfigurationError(`unexpected argument ${positionals[0] ?? ''}; ${USAGE}`);
  const calls = stringOption(values['observer-calls']);
  const observerCalls = calls === undefined ? undefined : positiveInteger(calls, '--observer-calls');
  const rounds = positiveIntegerOr(stringOption(values.rounds), '--rounds', 4);
  const roundSeconds = positiveIntegerOr(stringOption(values['round-seconds']), '--round-seconds', 2);
  const only = stringOption(values.only);
  if (only !== undefined) {
    const out = stringOption(values.out);
    const outDir = out === undefined ? undefined : path.resolve(out);
    if (only === 'network') return networkOnly({ networkFull: values['network-full'] === true, outDir });
    if (only === 'observer') return observerOnly({ observerCalls, rounds, roundSeconds, outDir });
    throw new ConfigurationError(`--only takes network or observer, the steps that run alone; got ${only}`);
  }
  return bench({
    skipCertify: values['skip-certify'] === true,
    skipNetwork: values['skip-network'] === true,
    networkFull: values['network-full'] === true,
    skipObserver: values['skip-observer'] === true,
    observerCalls,
    rounds,
    roundSeconds,
    outDir: path.resolve(stringOption(values.out) ?? fromRoot('bench')),
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A wrong option is one line and exit code 2, as for every command of the project.
    if (error instanceof ConfigurationError) {
      process.stderr.write(configurationErrorLine(error));
      process.exit(2);
    }
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
