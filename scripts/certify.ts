/**
 * `npm run certify [-- <options>] [-- <playwright options>]`: certifies a bank's integration, or the embedded
 * reference pair when no bank is configured, and turns the evidence into a go-live verdict.
 *
 * - The APIs the bank hosts are judged by the issuer suites, playing D1 against ISSUER_BASE_URL.
 * - The APIs the bank calls are judged from its own calls to D1, observed: with `--observe`, certify starts the
 *   observer (a recording mock D1, or a validating proxy in front of D1_BASE_URL), prints where the bank points its
 *   backend and the certification plan, and waits until the bank has driven the plan (or `--observe-timeout`).
 *   Without it, an observation written earlier in the reports directory by `npm run observe` is used. With no bank
 *   configured, the reference issuer's client drives the plan through the observer.
 * - The D1 suites judge the D1 the run uses and are reported apart, as the D1 environment.
 *
 * It writes, under reports/ (or CERTIFY_REPORTS_DIR) in the working directory, never in the package: allure-results
 * and the Allure HTML report, the compliance summary (.json, checked against its schema, and .md), the certificate
 * (.html and .pdf), junit/results.xml and the observation. Exit codes: 0 READY; 1 NOT READY, or the run broke; 2 the
 * configuration is wrong; 3 INCONCLUSIVE (a target could not answer some tests within their tries: run it again).
 *
 * With `--shard=K/N` it runs one shard of the suites and writes only its results; `npm run certify:merge` turns the
 * results of all N shards into the same evidence as one run.
 *
 * With `--compare PATH` (a reports directory or a compliance-summary.json of an earlier run) the evidence also says
 * what changed since that run (reporters/comparison.ts); the exit code stays the verdict's.
 *
 * With `--repeat N` (2 to 10) it runs the suites N times with the same seed and targets and judges them together: the
 * rules whose outcome differed between the runs are reported apart as unstable (reporters/repetitions.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError, configurationErrorLine, listeningOn } from '../lib/config/errors.js';
import { DEFAULT_ISSUER_ID } from '../mocks/issuer/index.js';
import { loadDotEnv, readTargets, targetLabels, type TargetsConfig } from '../lib/config/targets.js';
import { paceVariable, transportOptionsInto } from '../lib/config/transport.js';
import { networkOfProcess } from '../lib/http/client.js';
import { mergeNetworks, type TargetNetwork } from '../lib/http/pacing.js';
import { port, wholeNumber } from '../lib/config/values.js';
import { dependencyFile, fromRoot, reportsDirectory, typeScriptEnvironment } from '../lib/paths.js';
import { CLEANUP_FILE, cleanUpRun, clearEarlierLedger } from '../lib/d1-cleanup.js';
import { SUITE_PROJECTS, certificationResults, type CertificationResults, type CertifiedTest } from '../reporters/certification.js';
import { keepRunEvidence, keepSuitesNetwork, mergeRuns, readRuns, unstableRules, writeMergedRuns } from '../reporters/repetitions.js';
import { apis, rules } from '../gen/catalogue.js';
import {
  NETWORK_FILE,
  RUN_FILE,
  TESTS_FILE,
  clearEarlierEvidence,
  concludeCertification,
  readComparedSummary,
  type Repetition,
  type RunDescription,
} from '../reporters/certification-evidence.js';
import type { ObserverOptions } from '../observer/index.js';
import { observeReferenceClient, observedBankIn } from '../observer/reference-pair.js';

const BANK_PROJECTS = ['issuer', 'issuer-properties'] as const;
const DEFAULT_OBSERVE_TIMEOUT_S = 900;
/** More identical runs than this add time, not evidence: a rule that flips at all shows in a few. */
const MAX_REPEAT = 10;

/** The `--shard=K/N` (or `--shard K/N`) option passed through to Playwright, when there is one. */
function shardOf(args: readonly string[]): { current: number; total: number } | undefined {
  const index = args.findIndex((a) => a === '--shard' || a.startsWith('--shard='));
  if (index < 0) return undefined;
  const value = args[index]?.includes('=') ? args[index]?.slice('--shard='.length) : args[index + 1];
  const match = /^(\d+)\/(\d+)$/.exec(value ?? '');
  const current = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || current < 1 || total < 1 || current > total)
    throw new ConfigurationError(`--shard must be K/N with 1 <= K <= N, got "${value ?? ''}"`);
  return { current, total };
}

interface CertifyOptions {
  /** Observe the bank's calls while the suites run, until the plan is complete. */
  readonly observe: boolean;
  readonly observeTimeoutSeconds: number;
  readonly observePort: number;
  /** With --observe: continue the observation whose journal is in this directory. */
  readonly resume: string | undefined;
  /** Run only the suites that judge the bank; the D1 environment is then NOT RUN. */
  readonly skipD1Environment: boolean;
  /** A previous certification to compare with: its reports directory or compliance-summary.json. */
  readonly compare: string | undefined;
  /** Run the suites this many times with the same seed and targets, and report the rules that flipped between runs. */
  readonly repeat: number | undefined;
  /** Everything else goes to Playwright. */
  readonly playwrightArgs: readonly string[];
}

/** Certify's own options, taken out of the arguments; the rest are Playwright's. */
function certifyOptions(args: readonly string[]): CertifyOptions {
  let observe = false;
  let observeTimeoutSeconds = DEFAULT_OBSERVE_TIMEOUT_S;
  let observePort = 0;
  let resume: string | undefined;
  let skipD1Environment = false;
  let compare: string | undefined;
  let repeat: number | undefined;
  const playwrightArgs: string[] = [];
  const valueOf = (arg: string, name: string): string => arg.slice(name.length + 1);
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg === '--observe') observe = true;
    else if (arg.startsWith('--resume=')) resume = valueOf(arg, '--resume');
    else if (arg === '--resume') {
      resume = args[index + 1];
      index += 1;
      if (resume === undefined || resume.startsWith('--'))
        throw new ConfigurationError('--resume needs the directory of the observation to continue');
    } else if (arg.startsWith('--observe-timeout=')) {
      observeTimeoutSeconds = wholeNumber(valueOf(arg, '--observe-timeout'), '--observe-timeout', 1, 86_400);
    } else if (arg.startsWith('--observe-port=')) observePort = port(valueOf(arg, '--observe-port'), '--observe-port');
    else if (arg === '--skip-d1-environment') skipD1Environment = true;
    else if (arg.startsWith('--compare=')) compare = valueOf(arg, '--compare');
    else if (arg === '--compare') {
      compare = args[index + 1];
      index += 1;
      if (compare === undefined || compare.startsWith('--'))
        throw new ConfigurationError(
          '--compare needs the reports directory or compliance-summary.json of the certification to compare with',
        );
    } else if (arg.startsWith('--repeat=')) repeat = wholeNumber(valueOf(arg, '--repeat'), '--repeat', 2, MAX_REPEAT);
    else if (arg === '--repeat') {
      const value = args[index + 1];
      index += 1;
      if (value === undefined || value.startsWith('--'))
        throw new ConfigurationError(`--repeat needs how many times to run the suites, from 2 to ${MAX_REPEAT}`);
      repeat = wholeNumber(value, '--repeat', 2, MAX_REPEAT);
    } else playwrightArgs.push(arg);
  }
  if (playwrightArgs.some((a) => a === '--trace' || a.startsWith('--trace='))) {
    // Evidence is redacted before it is written; a trace would keep every value the tests compared, as it was.
    throw new ConfigurationError(
      '--trace is refused: Playwright traces record tokens, card numbers and names unredacted; ' +
        'the Allure report carries the redacted exchanges',
    );
  }
  if (resume !== undefined && !observe) throw new ConfigurationError('--resume continues an observation: give --observe too');
  if (compare === '')
    throw new ConfigurationError('--compare needs the reports directory or compliance-summary.json of the certification to compare with');
  return { observe, observeTimeoutSeconds, observePort, resume, skipD1Environment, compare, repeat, playwrightArgs };
}

/** The observer in front of the D1 the run uses: a proxy before an external D1, else a recording mock D1 that notifies the bank. */
async function bankObserverOptions(targets: TargetsConfig, port: number): Promise<ObserverOptions> {
  const { issuerKeys } = await import('../observer/keys.js');
  if (targets.issuer.kind !== 'external') throw new ConfigurationError('--observe observes a bank: set ISSUER_BASE_URL to its backend');
  const issuer = targets.issuer;
  // The bank's public key and kid; D1_KEY_ID too when D1 is external (the same key signs for staging).
  const keys = issuerKeys(
    process.env.CERTIFY_OBSERVE_PUBLIC_KEY?.trim() || undefined,
    process.env.CERTIFY_OBSERVE_KID?.trim() || process.env.D1_KEY_ID?.trim(),
  );
  const secrets = issuer.clientSecret ? [issuer.clientSecret] : [];
  if (targets.d1.kind === 'external') {
    const d1 = targets.d1;
    return {
      issuerId: issuer.issuerId,
      keys,
      port,
      secrets,
      upstream: { bankingUrl: d1.bankingUrl, authUrl: d1.authUrl, ...(d1.tls ? { tls: d1.tls } : {}) },
    };
  }
  if (keys.length === 0)
    throw new ConfigurationError(
      "--observe needs the bank's public key: CERTIFY_OBSERVE_PUBLIC_KEY (a PEM file with CERTIFY_OBSERVE_KID, or a JWKS file)",
    );
  const backend = {
    baseUrl: issuer.baseUrl,
    ...(issuer.authUrl && issuer.clientId && issuer.clientSecret
      ? { authUrl: issuer.authUrl, clientId: issuer.clientId, clientSecret: issuer.clientSecret }
      : {}),
  };
  return { issuerId: issuer.issuerId, keys, port, secrets, mock: { backend } };
}

/**
 * SIGINT and SIGTERM to certify during a run. While the suites run, each stops them: Playwright gets SIGINT, which it
 * answers by ending its tests, tearing its workers down and reporting what ran (a SIGTERM would kill it with no results),
 * and certify waits for it, cleans up D1 and concludes. The signal that ends a waiting observation only ends that (the
 * suites run on, as documented). Once the suites have ended, a signal stops the D1 clean-up from starting more deletes.
 */
class Interruption {
  private child: ChildProcess | undefined;
  private pending: NodeJS.Signals | undefined;
  private suitesEnded = false;
  private stopped = false;
  /** Aborted by a signal that came once the suites had ended. */
  readonly cleanup = new AbortController();

  private observationWaits: () => boolean = () => false;

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    // Registered before the observation's own listeners: a waiting observation is what this signal ends.
    if (this.observationWaits()) return;
    this.stopped = true;
    if (this.suitesEnded) {
      process.stderr.write(`certify: ${signal}: the D1 clean-up starts no more deletes\n`);
      this.cleanup.abort(signal);
      return;
    }
    process.stderr.write(`certify: ${signal}: stopping the suites, then cleaning up D1 and concluding\n`);
    if (this.child) this.child.kill('SIGINT');
    else this.pending = signal;
  };

  /** The observation whose end a first signal is, while it waits. */
  observing(waits: () => boolean): void {
    this.observationWaits = waits;
  }

  /** Whether a signal stopped the run: a repeated certification starts no further run. */
  get signalled(): boolean {
    return this.stopped;
  }

  /** The suites' process (of each run, when repeated), stopped at once when a signal came before it started. */
  running(child: ChildProcess): void {
    this.child = child;
    this.suitesEnded = false;
    if (this.pending) child.kill('SIGINT');
    child.once('exit', () => {
      this.suitesEnded = true;
    });
  }
}

/** Runs Playwright on the suites; resolves with its exit code once it has ended. */
function runSuites(
  projects: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  interruption: Interruption,
): Promise<number | null> {
  // The package's configuration and suites, run from the caller's directory: its .env and the relative paths in its
  // variables (keys, certificates) mean there what they meant to certify.
  const child = spawn(
    process.execPath,
    [
      dependencyFile('@playwright/test', 'cli.js'),
      'test',
      `--config=${fromRoot('playwright.config.ts')}`,
      ...projects.map((p) => `--project=${p}`),
      ...args,
    ],
    {
      cwd: process.cwd(),
      stdio: 'inherit',
      env: typeScriptEnvironment(env),
    },
  );
  interruption.running(child);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : null))));
}

async function main(): Promise<number> {
  loadDotEnv();
  // A wrong configuration throws a ConfigurationError, which the handler at the bottom turns into one line and exit
  // code 2, whether it is found here or once the run has started (the observer's port taken).
  const targets = readTargets();
  // The transport's options become the variables every Playwright worker reads (lib/config/transport.ts).
  const options = certifyOptions(transportOptionsInto(process.argv.slice(2), process.env));
  const shard = shardOf(options.playwrightArgs);
  if (shard && !targets.seedWasGiven) {
    throw new ConfigurationError(
      'SEED must be set when sharding, to the same value on every machine, so that all shards run the same cases',
    );
  }
  if (shard && options.observe)
    throw new ConfigurationError(
      '--observe cannot be sharded: observe once with npm run observe, then merge the shards in the same reports directory',
    );
  if (shard && options.compare !== undefined)
    throw new ConfigurationError('--compare cannot be given to a shard: compare the merged run with npm run certify:compare');
  if (shard && options.repeat !== undefined)
    throw new ConfigurationError('--repeat cannot be given to a shard: repeat the whole certification on one machine');
  // Read before the run clears its reports directory, which may be the one holding the baseline.
  const baseline = options.compare !== undefined ? readComparedSummary(options.compare, '--compare') : undefined;
  const observerOptions = options.observe ? await bankObserverOptions(targets, options.observePort) : undefined;
  const journal = options.observe ? await observationJournal(options.resume, reportsDirectory()) : undefined;
  const bank = targets.issuer.kind === 'external' ? targets.issuer : undefined;
  const reportsDir = reportsDirectory();
  // A bank's calls observed earlier by `npm run observe`, with no endpoints of its configured: the bank is the
  // subject, and only its calls can be judged.
  const observedBank = bank ? undefined : observedBankIn(reportsDir);
  const run: RunDescription = {
    seed: targets.seed,
    targets: targetLabels(targets),
    applicableConditionalApis: [...targets.applicableConditionalApis].sort(),
    subject: bank
      ? { kind: 'bank', issuerId: bank.issuerId, hosted: `at ${bank.baseUrl}` }
      : observedBank
        ? { kind: 'bank', issuerId: observedBank, hosted: 'not tested (ISSUER_BASE_URL is not set: only the reference issuer answered)' }
        : { kind: 'reference-pair', issuerId: DEFAULT_ISSUER_ID, hosted: 'the embedded reference issuer' },
    ...(shard ? { shard } : {}),
  };
  process.stdout.write(
    `certify: ${bank ? `bank ${bank.issuerId} at ${bank.baseUrl}` : 'the embedded reference pair (no bank configured)'}; ` +
      `D1 ${run.targets.d1}; seed ${run.seed}` +
      `${shard ? `, shard ${shard.current}/${shard.total}` : ''}\n`,
  );
  const shown = path.relative(process.cwd(), reportsDir) || '.';
  clearEarlierEvidence(reportsDir);
  clearEarlierLedger(reportsDir);
  mkdirSync(path.join(reportsDir, 'certification'), { recursive: true });
  writeFileSync(path.join(reportsDir, RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);

  if (!bank && !observedBank && !shard) await observeReferenceClient(reportsDir, targets.applicableConditionalApis);
  // Before the observation's own listeners, so that a signal finds the observation still waiting for it.
  const interruption = new Interruption();
  const observation =
    observerOptions && journal
      ? await startBankObservation({ ...observerOptions, ...journal }, targets.applicableConditionalApis, options.observeTimeoutSeconds)
      : undefined;
  if (observation) interruption.observing(observation.waiting);

  const projects = options.skipD1Environment ? BANK_PROJECTS : SUITE_PROJECTS;
  const suitesEnv = { ...process.env, SEED: String(targets.seed), CERTIFY_REPORTS_DIR: reportsDir };
  if (options.repeat !== undefined) {
    const repeated = await runRepeatedly(options.repeat, projects, options.playwrightArgs, suitesEnv, reportsDir, targets, interruption);
    if (observation) await observation.finish(reportsDir);
    if (!repeated) {
      process.stderr.write('certify: no run produced results\n');
      return 1;
    }
    const { tests, repetition } = repeated;
    const code = await concludeCertification(reportsDir, tests, run, 'certify', `${repetition.runs} runs merged; `, baseline, repetition);
    process.stdout.write(`certify: replay with SEED=${run.seed} npm run certify -- --repeat ${options.repeat}\n`);
    return code;
  }
  const exitCode = await runSuites(projects, options.playwrightArgs, suitesEnv, interruption);
  await cleanUpD1(reportsDir, targets, interruption.cleanup.signal);
  if (observation) await observation.finish(reportsDir);

  const resultsFile = path.join(reportsDir, TESTS_FILE);
  if (!existsSync(resultsFile)) {
    process.stderr.write(`certify: the run produced no results (playwright exited with ${exitCode ?? '?'})\n`);
    return 1;
  }
  if (shard) {
    process.stdout.write(
      `certify: shard ${shard.current}/${shard.total} done; its results are in ${shown}. ` +
        `Once every shard has run, merge their reports directories: npm run certify:merge -- <dir> ...\n`,
    );
    return 0;
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as CertificationResults;
  const code = await concludeCertification(reportsDir, results.tests, run, 'certify', '', baseline);
  process.stdout.write(`certify: replay with SEED=${run.seed} npm run certify\n`);
  return code;
}

/**
 * Runs the suites `count` times with the same seed and targets, the K-th with CERTIFY_REPETITION=K, D1 cleaned up after
 * each and each run's results kept in certification/run-K/; then merges them into one run's results and finds the rules
 * that flipped. A signal starts no further run: the runs done so far are judged. Undefined when no run produced results.
 */
async function runRepeatedly(
  count: number,
  projects: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  reportsDir: string,
  targets: TargetsConfig,
  interruption: Interruption,
): Promise<{ tests: CertifiedTest[]; repetition: Repetition } | undefined> {
  for (let repetition = 1; repetition <= count && !interruption.signalled; repetition += 1) {
    process.stdout.write(`certify: run ${repetition} of ${count}, seed ${targets.seed}\n`);
    const exitCode = await runSuites(projects, args, { ...env, CERTIFY_REPETITION: String(repetition) }, interruption);
    if (!existsSync(path.join(reportsDir, TESTS_FILE)))
      process.stderr.write(`certify: run ${repetition} produced no results (playwright exited with ${exitCode ?? '?'})\n`);
    keepSuitesNetwork(reportsDir, repetition);
    await cleanUpD1(reportsDir, targets, interruption.cleanup.signal);
    keepRunEvidence(reportsDir, repetition);
  }
  const runs = readRuns(reportsDir, count);
  if (runs.length === 0) return undefined;
  const tests = mergeRuns(runs);
  // The clean-ups' requests, over every run: this process made them all.
  writeMergedRuns(reportsDir, runs, certificationResults(tests), networkOfProcess());
  const unstable = unstableRules(runs, { apis, rules, applicableConditional: targets.applicableConditionalApis });
  return { tests, repetition: { runs: runs.length, unstable } };
}

/**
 * Deletes what the suites created in an external D1 (the ledger the workers kept) and says what it could not remove.
 * It concerns D1, not the bank: whatever happens here, the verdict is the results'.
 */
async function cleanUpD1(reportsDir: string, targets: TargetsConfig, signal: AbortSignal): Promise<void> {
  const networkFile = path.join(reportsDir, NETWORK_FILE);
  const suites = existsSync(networkFile) ? (JSON.parse(readFileSync(networkFile, 'utf8')) as { targets: TargetNetwork[] }).targets : [];
  // The clean-up starts at the pace the suites' requests found, rather than meet the gateway's limit again.
  const found = suites.find((n) => n.target === 'd1')?.limit.finalRate;
  const variable = paceVariable('d1', 'RATE_LIMIT');
  if (found !== undefined && !process.env[variable]) process.env[variable] = String(found);
  try {
    const outcome = await cleanUpRun(reportsDir, { targets, signal });
    if (!outcome) return;
    const { created, removed, alreadyGone, notRemoved } = outcome;
    process.stdout.write(
      `certify: D1 clean-up: ${removed.consumers}/${created.consumers} consumers and ${removed.cards}/${created.cards} cards removed, ` +
        `${alreadyGone.consumers + alreadyGone.cards} already gone, ${notRemoved.length} not removed ` +
        `(${path.relative(process.cwd(), path.join(reportsDir, CLEANUP_FILE)) || CLEANUP_FILE})\n`,
    );
  } catch (error) {
    process.stderr.write(`certify: the D1 clean-up broke: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  // The clean-up's requests went to D1 too: they count in how the network behaved.
  const cleanup = networkOfProcess();
  if (cleanup.length > 0) writeFileSync(networkFile, `${JSON.stringify({ targets: mergeNetworks([suites, cleanup]) }, null, 2)}\n`);
}

/**
 * Where the observation of the bank's calls keeps its journal: the one `--resume` names, continued, or a new one under
 * the reports directory (replacing one an earlier run finished there; an unfinished one is refused, as observe does).
 */
async function observationJournal(resume: string | undefined, reportsDir: string): Promise<{ journalDir: string; resume?: true }> {
  const { OBSERVATION_DIR, JOURNAL_FILE } = await import('../observer/index.js');
  const { journalDirectoryOf, journalState, removeJournal } = await import('../observer/journal.js');
  if (resume !== undefined) return { journalDir: journalDirectoryOf(resume, '--resume'), resume: true };
  const journalDir = path.join(reportsDir, OBSERVATION_DIR);
  const state = journalState(path.join(journalDir, JOURNAL_FILE));
  const shownDir = path.relative(process.cwd(), journalDir) || '.';
  if (state === 'unfinished')
    throw new ConfigurationError(`an unfinished observation is in ${shownDir}: --resume=${shownDir} to continue it, or remove it`);
  if (state === 'finished') removeJournal(journalDir);
  return { journalDir };
}

/**
 * Starts the observer of the bank's calls and tells the bank where to point its backend and what to drive; the
 * returned `finish` waits for the plan (or the timeout, or a signal), then writes the observation's evidence.
 */
async function startBankObservation(
  options: ObserverOptions,
  applicable: ReadonlySet<string>,
  timeoutSeconds: number,
): Promise<{ finish: (reportsDir: string) => Promise<void>; waiting: () => boolean }> {
  const { startObserver, writeObservationEvidence, certificationPlan, planText } = await import('../observer/index.js');
  const { watchPlan } = await import('../observer/progress.js');
  const plan = certificationPlan(applicable);
  const observer = await listeningOn('--observe-port', options.port ?? 0, () => startObserver({ ...options, plan, log: () => undefined }));
  process.stdout.write(
    `certify: observing the bank's calls ${observer.mode === 'proxy' ? `in front of ${observer.d1}` : 'with a recording mock D1'}: ` +
      `point its backend at D1_BASE_URL=${observer.bankingUrl} D1_AUTH_URL=${observer.authUrl}\n` +
      `certify: live view at ${observer.liveViewUrl}; journal ${path.relative(process.cwd(), observer.journal) || observer.journal}` +
      `${options.resume ? ` (resumed, ${observer.observedCalls()} calls before)` : ''}\n` +
      `certify: the certification plan, for the bank's backend to drive (within ${timeoutSeconds} s):\n${planText(plan)}\n`,
  );
  const watch = watchPlan(observer, { write: (text) => process.stdout.write(text), live: false });
  let waiting = true;
  const ended = new Promise<string>((resolve) => {
    watch.complete.then(
      () => resolve('the certification plan is complete'),
      () => undefined,
    );
    setTimeout(() => resolve(`${timeoutSeconds} s elapsed before the plan was complete`), timeoutSeconds * 1000).unref();
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  void ended.then(() => {
    waiting = false;
  });
  return {
    waiting: () => waiting,
    finish: async (reportsDir) => {
      const reason = await ended;
      watch.stop();
      const progress = watch.last();
      process.stdout.write(
        `certify: observation ends (${reason}); plan ${progress.covered}/${progress.steps.length} steps covered, ` +
          `${observer.observedCalls()} calls\n`,
      );
      writeObservationEvidence(await observer.stop(), reportsDir, applicable);
    },
  };
}

// Nothing left to do while the run has not concluded means a wait nothing kept alive: never a silent exit code 0.
process.on('beforeExit', () => {
  process.stderr.write('certify: the run stopped before its verdict (nothing was left to wait for)\n');
  process.exit(1);
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigurationError) {
      process.stderr.write(configurationErrorLine(error));
      process.exit(2);
    }
    process.stderr.write(`certify: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
