/**
 * `npm run observe -- [options]`: watches the issuer's backend call D1 and certifies those calls. The issuer points
 * its D1 base and auth URLs at the observer and runs its own journeys; when the run ends (SIGINT, SIGTERM or
 * `--duration`) the observer writes the evidence a certification run writes, for the client side of the integration.
 *
 * Recording mode (the default) answers with an embedded mock D1; `--upstream URL` makes it a validating proxy in
 * front of a real D1 instead. Exit codes: 0 no documented rule failed; 1 one did; 2 the configuration is wrong (one
 * line names what).
 */
import path from 'node:path';
import { parseCommandLine, runCli } from '../lib/config/command-line.js';
import { conditionalApis } from '../lib/config/conditional-apis.js';
import { ConfigurationError, listeningOn } from '../lib/config/errors.js';
import { issuerBackendFrom } from '../lib/config/issuer-backend.js';
import { httpUrl, issuerId as issuerIdOf, numberAtLeast, port as portOf, positiveInteger } from '../lib/config/values.js';
import type { IssuerBackend } from '../mocks/d1/index.js';
import { issuerKeys, readFile } from '../observer/keys.js';
// Types only: the observer itself is loaded once the options are known good, so that a wrong one fails fast.
import type { ObserverOptions, WrittenEvidence } from '../observer/index.js';
import type { CertificationResults } from '../reporters/certification.js';
import { DEFAULT_LIMITS, type UsageLimits } from '../observer/limits.js';
import { reportsDirectory } from '../lib/paths.js';
import { failsGoLive } from '../reporters/certification.js';
import { loadDotEnv } from '../lib/config/targets.js';

const {
  tokenRenewalMarginSeconds: defaultTokenMargin,
  maxEnrolmentsPerSecond: defaultMaxEnrolments,
  followUpGraceSeconds: defaultFollowUpGrace,
} = DEFAULT_LIMITS;

const USAGE = `usage: npm run observe -- [options]
  --host H                      where the observer listens (default 127.0.0.1); anywhere else its controls and
                                live view ask for the token it prints at start
  --port N                      where the observer listens (0, the default, picks a free port)
  --tls-cert FILE, --tls-key FILE
                                serve HTTPS with this certificate and key (PEM), for a backend that refuses plain HTTP
  --control-token T             the token the controls and the live view ask for (default OBSERVER_CONTROL_TOKEN;
                                away from 127.0.0.1, one is made when none is given)
  --resume DIR                  continue the observation whose journal is in DIR (a reports directory, or its
                                observation/ directory): after a crash, or to add calls to a finished session
  --judge-only                  with --resume: judge the journal again and write the evidence, without listening
  --fresh                       discard an unfinished journal in the output directory and start anew
  --issuer-id ID                the issuerId (default D1_ISSUER_ID)
  --public-key FILE             the issuer's public key: PEM, or a JWKS / JWK file (default: derived from D1_PRIVATE_KEY)
  --kid KID                     the kid of a PEM public key (default D1_KEY_ID)
  --upstream URL                proxy mode: the real D1's banking base (D1_BASE_URL)
  --upstream-auth URL           its OAuth base (D1_AUTH_URL; default <origin of --upstream>/authz/v1)
  --client-cert FILE, --client-key FILE, --ca FILE
                                mutual TLS towards the upstream (default D1_CLIENT_CERT, D1_CLIENT_KEY, D1_CA)
  --issuer-url URL              recording: the issuer backend the mock D1 notifies
  --issuer-auth-url URL, --issuer-client-id ID
                                recording: its OAuth base and client id (secret in MOCK_D1_ISSUER_CLIENT_SECRET)
  --auto-enrolment              Click to Pay auto-enrolment is configured for the issuer
  --operation-delay MS          recording: how long the mock's operations stay PENDING
  --immediate-results           recording: writes whose result is known at once (register consumer, opt-out of a
                                consumer with nothing to remove) answer it at once instead of PENDING first; their
                                follow-up rules are then skipped
  --token-margin S              a new token earlier than S seconds before the previous one expires breaks reuse (${defaultTokenMargin})
  --max-enrolments-per-second N more enrol calls in one second is bulk enrolment (${defaultMaxEnrolments})
  --follow-up-grace S           writes this close to the end are too recent to judge their follow-up (${defaultFollowUpGrace})
  --duration S                  stop after S seconds (default: on SIGINT or SIGTERM)
  --until-plan-complete         stop as soon as every step of the certification plan is covered
  --plan                        print the certification plan, then its progress while observing
  --output DIR                  where to write the evidence (default \${CERTIFY_REPORTS_DIR:-reports})
  --quiet                       no request log
  --help                        this text`;

// How often the observer looks whether its parent process is still there.
const PARENT_CHECK_MS = 250;

const number = (value: string | undefined, flag: string, min = 0): number | undefined =>
  value === undefined ? undefined : numberAtLeast(value, flag, { min });

async function main(): Promise<void> {
  const values = parseCommandLine(process.argv.slice(2), {
    host: { type: 'string' },
    port: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'control-token': { type: 'string' },
    resume: { type: 'string' },
    'judge-only': { type: 'boolean' },
    fresh: { type: 'boolean' },
    'issuer-id': { type: 'string' },
    'public-key': { type: 'string' },
    kid: { type: 'string' },
    upstream: { type: 'string' },
    'upstream-auth': { type: 'string' },
    'client-cert': { type: 'string' },
    'client-key': { type: 'string' },
    ca: { type: 'string' },
    'issuer-url': { type: 'string' },
    'issuer-auth-url': { type: 'string' },
    'issuer-client-id': { type: 'string' },
    'auto-enrolment': { type: 'boolean' },
    'operation-delay': { type: 'string' },
    'immediate-results': { type: 'boolean' },
    'token-margin': { type: 'string' },
    'max-enrolments-per-second': { type: 'string' },
    'follow-up-grace': { type: 'string' },
    duration: { type: 'string' },
    'until-plan-complete': { type: 'boolean' },
    plan: { type: 'boolean' },
    output: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  loadDotEnv();
  const env = process.env;
  // Refused here, before anything listens, with the words certify uses.
  const applicable = conditionalApis(env.CERTIFY_CONDITIONAL_APIS);
  const limits: Partial<UsageLimits> = Object.fromEntries(
    Object.entries({
      tokenRenewalMarginSeconds: number(values['token-margin'], '--token-margin'),
      maxEnrolmentsPerSecond:
        values['max-enrolments-per-second'] === undefined
          ? undefined
          : positiveInteger(values['max-enrolments-per-second'], '--max-enrolments-per-second'),
      followUpGraceSeconds: number(values['follow-up-grace'], '--follow-up-grace'),
    }).filter(([, v]) => v !== undefined),
  );
  const { OBSERVATION_DIR, JOURNAL_FILE } = await import('../observer/index.js');
  const { journalDirectoryOf, journalState, removeJournal, sessionOf } = await import('../observer/journal.js');
  // Resuming, the evidence goes where the journal is: its reports directory.
  const resumed = values.resume === undefined ? undefined : journalDirectoryOf(values.resume, '--resume');
  const reportsDir = resumed ? path.dirname(resumed) : values.output ? path.resolve(values.output) : reportsDirectory(env);
  const journalDir = resumed ?? path.join(reportsDir, OBSERVATION_DIR);
  if (values['judge-only'] && !resumed) throw new ConfigurationError('--judge-only judges a journal: give it with --resume DIR');
  if (values['judge-only']) {
    const { judgeJournals, writeObservationEvidence } = await import('../observer/index.js');
    const evidence = judgeJournals([{ dir: journalDir }], { limits });
    report(writeObservationEvidence(evidence, reportsDir, applicable), evidence.certification, reportsDir, OBSERVATION_DIR);
    return;
  }
  // Resuming, the issuerId is the journal's unless one is given (and then it must be the journal's).
  const givenIssuerId =
    values['issuer-id'] ?? (env.D1_ISSUER_ID?.trim() || (resumed ? sessionOf(path.join(resumed, JOURNAL_FILE)).issuerId : undefined));
  if (!givenIssuerId) throw new ConfigurationError('give the issuerId with --issuer-id or D1_ISSUER_ID');
  const issuerId = issuerIdOf(givenIssuerId, values['issuer-id'] !== undefined ? '--issuer-id' : 'D1_ISSUER_ID');
  const keys = issuerKeys(values['public-key'], values.kid ?? env.D1_KEY_ID?.trim());
  const port = portOf(values.port, '--port');
  const duration = number(values.duration, '--duration', 0.1);
  const host = values.host ?? '127.0.0.1';
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
    throw new ConfigurationError(
      `${values['tls-cert'] ? '--tls-key' : '--tls-cert'} is missing: serving HTTPS needs the certificate and its key`,
    );
  const tls =
    values['tls-cert'] && values['tls-key']
      ? { cert: readFile(values['tls-cert'], '--tls-cert'), key: readFile(values['tls-key'], '--tls-key') }
      : undefined;
  const controlToken = values['control-token'] ?? (env.OBSERVER_CONTROL_TOKEN?.trim() || undefined);
  if (controlToken !== undefined && controlToken.length < 16)
    throw new ConfigurationError(
      `${values['control-token'] !== undefined ? '--control-token' : 'OBSERVER_CONTROL_TOKEN'} must be at least 16 characters`,
    );

  const { certificationPlan, planText } = await import('../observer/index.js');
  const plan = certificationPlan(applicable);
  let options: ObserverOptions;
  const common = {
    issuerId,
    keys,
    limits,
    host,
    port,
    plan,
    journalDir,
    ...(resumed ? { resume: true } : {}),
    ...(tls ? { tls } : {}),
    ...(controlToken !== undefined ? { controlToken } : {}),
    autoEnrolment: values['auto-enrolment'] === true,
    ...(values.quiet ? {} : { log: (line: string) => process.stdout.write(`${line}\n`) }),
  };
  if (values.upstream) {
    const bankingUrl = httpUrl(values.upstream, '--upstream');
    const authUrl = values['upstream-auth'] === undefined ? undefined : httpUrl(values['upstream-auth'], '--upstream-auth');
    const recordingOnly = ['issuer-url', 'issuer-auth-url', 'issuer-client-id', 'operation-delay', 'immediate-results'].find(
      (flag) => values[flag as keyof typeof values] !== undefined,
    );
    if (recordingOnly) throw new ConfigurationError(`--${recordingOnly} applies to recording only, not with --upstream`);
    const certFile = values['client-cert'] ?? env.D1_CLIENT_CERT?.trim();
    const keyFile = values['client-key'] ?? env.D1_CLIENT_KEY?.trim();
    const caFile = values.ca ?? env.D1_CA?.trim();
    if (Boolean(certFile) !== Boolean(keyFile))
      throw new ConfigurationError(
        `${certFile ? '--client-key' : '--client-cert'} is missing; mutual TLS needs both the client certificate and its key`,
      );
    const cert = certFile ? readFile(certFile, '--client-cert') : undefined;
    const key = keyFile ? readFile(keyFile, '--client-key') : undefined;
    const ca = caFile ? readFile(caFile, '--ca') : undefined;
    options = {
      ...common,
      upstream: {
        bankingUrl,
        ...(authUrl ? { authUrl } : {}),
        ...(cert || ca ? { tls: { ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(ca ? { ca } : {}) } } : {}),
      },
    };
  } else {
    const tlsFlag = ['upstream-auth', 'client-cert', 'client-key', 'ca'].find((flag) => values[flag as keyof typeof values] !== undefined);
    if (tlsFlag) throw new ConfigurationError(`--${tlsFlag} applies to proxy mode only: give --upstream too`);
    if (keys.length === 0)
      throw new ConfigurationError(
        "give the issuer's public key with --public-key FILE (PEM or JWKS), or set D1_PRIVATE_KEY and D1_KEY_ID",
      );
    const backend: IssuerBackend | undefined = issuerBackendFrom(values, env);
    const operationDelayMs = number(values['operation-delay'], '--operation-delay');
    options = {
      ...common,
      mock: {
        ...(backend ? { backend } : {}),
        ...(operationDelayMs !== undefined ? { operationDelayMs } : {}),
        ...(values['immediate-results'] ? { immediateResults: true } : {}),
      },
    };
  }
  // Last of the checks: every option is known good before an earlier journal is looked at, or replaced.
  if (!resumed) {
    const state = journalState(path.join(journalDir, JOURNAL_FILE));
    if (state === 'unfinished' && !values.fresh)
      throw new ConfigurationError(
        `an unfinished observation is in ${path.relative(process.cwd(), journalDir) || '.'}: ` +
          `--resume ${path.relative(process.cwd(), reportsDir) || '.'} ` +
          'to continue it, or --fresh to discard it',
      );
    // A new observation replaces the one an earlier run finished there, as its evidence does.
    if (state !== 'none') removeJournal(journalDir);
  }
  const { startObserver, writeObservationEvidence } = await import('../observer/index.js');
  const { watchPlan } = await import('../observer/progress.js');
  const shownJournalDir = path.relative(process.cwd(), journalDir) || '.';
  const observer = await listeningOn('--port', options.port ?? 0, () => startObserver(options));
  process.stdout.write(
    `observer ${observer.mode === 'proxy' ? `in front of ${observer.d1}` : 'recording against the embedded mock D1'}: ` +
      `D1_BASE_URL=${observer.bankingUrl} D1_AUTH_URL=${observer.authUrl} issuer ${issuerId}` +
      `${keys.length > 0 ? `, kid ${keys.map((k) => k.kid).join(' ')}` : ''}\n` +
      `${resumed ? `observer: resumed the journal in ${shownJournalDir} (${observer.observedCalls()} calls before)\n` : ''}` +
      `observer: live view at ${observer.liveViewUrl}\n` +
      // The token is the one way into the controls beyond loopback: it is printed once, here, for the person who started it.
      `${observer.controlToken !== undefined ? `observer: controls and live view token ${observer.controlToken}\n` : ''}` +
      `observer: journal ${path.relative(process.cwd(), observer.journal) || observer.journal}\n`,
  );

  const showPlan = values.plan === true || values['until-plan-complete'] === true;
  if (showPlan) process.stdout.write(`the certification plan, for the bank's backend to drive:\n${planText(plan)}\n`);
  // A terminal gets a display redrawn in place; a CI log gets a line per step covered.
  const watch = showPlan
    ? watchPlan(observer, { write: (text) => process.stdout.write(text), live: process.stdout.isTTY && !env.CI })
    : undefined;
  const ended = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    // npm run forwards a signal to the script's process group only on some platforms; a hang-up ends the run too.
    process.once('SIGHUP', () => resolve('SIGHUP'));
    // Whoever got the signal, the observation ends: when the process that started the observer (npm, a shell) dies
    // without passing it on, the observer is handed to another parent, and ends rather than run on orphaned.
    const parent = process.ppid;
    const parentWatch = setInterval(() => {
      if (process.ppid !== parent) resolve('its parent process ended');
    }, PARENT_CHECK_MS);
    parentWatch.unref();
    if (duration !== undefined) setTimeout(() => resolve(`${duration} s elapsed`), duration * 1000);
    if (values['until-plan-complete']) void watch?.complete.then(() => resolve('the certification plan is complete'));
  });
  const reason = await ended;
  // The reader of the output may be gone with the parent: the evidence is still written, whatever stdout does.
  process.stdout.on('error', () => undefined);
  watch?.stop();
  process.stdout.write(`observer: stopping (${reason}) after ${observer.observedCalls()} calls; checking them\n`);
  const evidence = await observer.stop();
  report(writeObservationEvidence(evidence, reportsDir, applicable), evidence.certification, reportsDir, OBSERVATION_DIR);
}

/** The observation's Markdown summary, its failures and warnings a line each, its totals, and its exit code. */
function report(written: WrittenEvidence, certification: CertificationResults, reportsDir: string, observationDir: string): void {
  process.stdout.write(`\n${written.markdown}\n`);
  for (const test of certification.tests.filter((t) => t.outcome === 'failed')) {
    const fails = test.failure !== undefined && failsGoLive(test.failure);
    process.stdout.write(
      `${fails ? (test.failure?.security ? 'FAILED (security)' : 'FAILED') : 'warning'}: ${test.error?.split('\n')[0] ?? test.title}\n`,
    );
  }
  process.stdout.write(
    `observer: ${certification.passed} passed, ${certification.documentedFailures} failed on documented or security rules, ` +
      `${certification.inferredWarnings} warnings on inferred rules, ${certification.skipped} skipped; ` +
      `evidence in ${path.relative(process.cwd(), path.join(reportsDir, observationDir)) || '.'} and ` +
      `${path.relative(process.cwd(), path.join(reportsDir, 'allure-results')) || '.'}\n`,
  );
  process.exit(certification.documentedFailures === 0 ? 0 : 1);
}

runCli(main);
