import { randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { onExchange } from '../lib/http/client.js';
import { startMockD1, type IssuerBackend, type IssuerKey, type MockD1Options, type RunningMockD1 } from '../mocks/d1/index.js';
import { ConfigurationError } from '../lib/config/errors.js';
import { ecP256PublicKey } from '../lib/config/keys.js';
import { httpUrl, issuerId as issuerIdOf } from '../lib/config/values.js';
import { EMBEDDED_D1_LABEL } from '../lib/config/targets.js';
import { DEFAULT_CARD_PRODUCTS } from '../mocks/d1/options.js';
import { CONDITIONAL_APIS } from '../lib/config/conditional-apis.js';
import type { ExchangeRecord } from '../lib/evidence/exchange.js';
import { Arrival, arrivingCallOf } from './arrival.js';
import { certificationResults, certifiedTests, type ObservationEvidence } from './evidence.js';
import { AUTH_MOUNT, BANKING_MOUNT, startForwarder, type Upstream } from './forwarder.js';
import {
  JOURNAL_FILE,
  JOURNAL_VERSION,
  JournalWriter,
  removeJournal,
  callLinesOf,
  mergedLines,
  sessionOf,
  type CallLine,
  type JournalLine,
  type SessionLine,
} from './journal.js';
import { DEFAULT_LIMITS, type UsageLimits } from './limits.js';
import { LiveFeed, type LiveCall } from './live-feed.js';
import { LIVE_VIEW_PATH, liveViewAnswer } from './live-view.js';
import { liveDeparture, Observation } from './observation.js';
import { certificationPlan, type PlanProgress, type PlanStep } from './plan.js';
import { journalKeyIn, Protector, SessionLiterals, shown, type JournalKey, type Literals } from './protection.js';
import type { JudgeSetup } from './usage-finding.js';
import type { ObservedExchange } from './observed-exchange.js';

export type { ObservationEvidence, ObservedResult, WrittenEvidence } from './evidence.js';
export { readObservation, writeObservationEvidence, keepOnlyObservationResults, OBSERVATION_DIR, OBSERVE_PROJECT } from './evidence.js';
export { DEFAULT_LIMITS, type UsageLimits } from './limits.js';
export { OBSERVER_RULES, USAGE_CHECKS, type UsageFinding } from './usage-rules.js';
export { certificationPlan, planText, type PlanProgress, type PlanStep } from './plan.js';
export { JOURNAL_FILE } from './journal.js';

/** A real D1 (or any D1) the observer stands in front of. */
export interface UpstreamD1 {
  /** Its banking base, D1_BASE_URL, e.g. https://api.d1-stg.thalescloud.io/banking. */
  readonly bankingUrl: string;
  /** Its OAuth base, D1_AUTH_URL; by default `/authz/v1` on the banking base's origin, as D1 lays them out. */
  readonly authUrl?: string;
  /** Mutual TLS towards it: client certificate and key, and the CA to trust, as PEM text. */
  readonly tls?: { readonly cert?: string; readonly key?: string; readonly ca?: string };
}

/**
 * Options of the embedded mock D1 a recording runs against. Unlike the mock the D1-facing suites use, it accepts
 * calls that depart only from inferred rules (the observation warns about them instead), and answers every
 * asynchronous write PENDING first, so that each follow-up rule is judged.
 */
export type RecordingMockOptions = Pick<
  MockD1Options,
  'operationDelayMs' | 'tokenLifetimeSeconds' | 'clockSkewSeconds' | 'behaviour' | 'retry' | 'cardProducts' | 'faults'
> & {
  /** The issuer's backend D1 notifies (and asks for consumer information), when the issuer wants notifications. */
  readonly backend?: IssuerBackend;
  /** Writes whose result is known at once answer it at once, as the D1-facing mock does (default false: PENDING first). */
  readonly immediateResults?: boolean;
};

export interface ObserverOptions {
  /** The issuerId D1 knows the issuer by: iss and sub of its assertions. Exactly 10 characters. */
  readonly issuerId: string;
  /** The issuer's public keys by kid: required when recording; in proxy mode they let the observer check signatures. */
  readonly keys?: readonly IssuerKey[];
  /** Stand in front of this D1; without it the observer records against an embedded mock D1. */
  readonly upstream?: UpstreamD1;
  readonly mock?: RecordingMockOptions;
  /** Click to Pay auto-enrolment is configured: cards created or registered count as enrolled. */
  readonly autoEnrolment?: boolean;
  readonly limits?: Partial<UsageLimits>;
  /** Where to listen: 127.0.0.1 unless told otherwise. Anywhere else, the controls and the live view need a token. */
  readonly host?: string;
  /** 0, the default, picks a free port. */
  readonly port?: number;
  /** The observer's own server certificate and key (PEM text): the issuer's backend then reaches it over HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * The token the `/__mock/...` controls and the live view ask for. Listening anywhere but 127.0.0.1 (or ::1,
   * localhost), one is made when none is given; there, none is asked unless one is given.
   */
  readonly controlToken?: string;
  /** Where the journal (and its key) is written; a fresh temporary directory when not given. */
  readonly journalDir?: string;
  /** Continue the journal already in journalDir (after a crash, or to add to a finished session). */
  readonly resume?: boolean;
  /**
   * The journal's key, shared by the observers whose journals are merged (default OBSERVER_JOURNAL_KEY); without
   * one, a key of the journal's own is made beside it.
   */
  readonly journalKey?: string;
  /** The certification plan the progress and the live view follow (default: every mandatory and conditional step). */
  readonly plan?: readonly PlanStep[];
  /** Receives one redacted line per request. */
  readonly log?: (line: string) => void;
  /** Further literal values the evidence must never hold (a client secret the issuer configured, for one). */
  readonly secrets?: readonly string[];
}

export interface RunningObserver {
  /** The observer's origin, e.g. http://127.0.0.1:4010. */
  readonly url: string;
  /** What the issuer sets as D1_BASE_URL. */
  readonly bankingUrl: string;
  /** What the issuer sets as D1_AUTH_URL. */
  readonly authUrl: string;
  /** The live view's address, with the control token when one is asked. */
  readonly liveViewUrl: string;
  /** The token the controls and the live view ask for; undefined when none is asked. */
  readonly controlToken: string | undefined;
  readonly mode: 'recording' | 'proxy';
  /** What stands behind the observer, as the evidence names it. */
  readonly d1: string;
  /** The embedded mock D1 of a recording; undefined in proxy mode. */
  readonly mockD1: RunningMockD1 | undefined;
  /** The journal being written. */
  readonly journal: string;
  /** Calls observed so far (those of the journal resumed included). */
  observedCalls(): number;
  /** Where the certification plan stands after the calls seen so far. */
  progress(): PlanProgress;
  /** The contract departures seen so far, a line each (rule and operation, with a count): the live view, before the full check at stop. */
  departuresSoFar(): readonly string[];
  /** Stops listening, waits for notifications in flight, judges everything seen and returns the evidence. */
  stop(): Promise<ObservationEvidence>;
}

// Notifications still in flight when the observation ends get this long to land, so that their follow-up counts.
const NOTIFICATION_SETTLE_MS = 2_000;
// The live page asks every 500 ms.
const LIVE_END_GRACE_MS = 1_200;

function publicKeysOf(keys: readonly IssuerKey[]): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const { kid, publicKey } of keys) map.set(kid, ecP256PublicKey(publicKey, `the public key of kid ${kid}`));
  return map;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The addresses the observer listens on without asking a token for its controls: the default one and its aliases.
 * Any other (an interface, 0.0.0.0, or another loopback address standing for one in a container) is told on purpose,
 * for a backend elsewhere to reach it.
 */
const LOCAL_ONLY: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLocalOnly = (host: string): boolean => LOCAL_ONLY.has(host);

function checkedLimits(given: Partial<UsageLimits> | undefined): UsageLimits {
  const limits: UsageLimits = { ...DEFAULT_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < 0) throw new ConfigurationError(`the limit ${name} must be a number of 0 or more, got ${value}`);
  }
  return limits;
}

const setupOf = (session: SessionLine, limits: UsageLimits): JudgeSetup => ({
  notificationsVisible: session.notificationsVisible,
  consumerInformationVisible: session.consumerInformationVisible,
  issuerId: session.issuerId,
  issuerKids: session.issuerKids,
  autoEnrolment: session.autoEnrolment,
  cardProducts: session.cardProducts ? new Set(session.cardProducts) : undefined,
  limits,
});

/** Feeds journal lines to an observation, opening the sealed literals with the key of the journal they came from. */
function feed(observation: Observation, literals: SessionLiterals, keys: readonly JournalKey[], line: JournalLine, source: number): void {
  if (line.t === 'sealed') {
    const key = keys[source];
    if (!key) return;
    try {
      literals.add(key.open(line.sealed) as Literals);
    } catch {
      throw new ConfigurationError(
        'a sealed line of the journal does not open with its key: the journal and its key do not belong together',
      );
    }
    return;
  }
  observation.take(line);
}

/** The evidence of an observation from what it judged and the calls it shows, read back from its journal(s). */
function evidenceOf(
  observation: Observation,
  session: SessionLine,
  journals: readonly { readonly file: string; readonly instance: string }[],
  endedAt: number,
  instances: number,
): ObservationEvidence {
  const findings = observation.findings(endedAt);
  const wanted = observation.shownSequences(findings);
  const records = new Map<number, ExchangeRecord>();
  const keep = (line: CallLine): void => void records.set(line.exchange.sequence, line.record ?? keptRecordOf(line.exchange));
  // One journal keeps its own numbers: only the lines wanted are parsed. Merged ones are numbered again as they are read.
  const [only] = journals;
  if (journals.length === 1 && only) for (const line of callLinesOf(only.file, wanted)) keep(line);
  else for (const { line } of mergedLines(journals)) if (line.t === 'call' && wanted.has(line.exchange.sequence)) keep(line);
  const results = observation.results(findings, records, endedAt);
  return {
    mode: session.mode,
    d1: session.d1,
    issuerId: session.issuerId,
    startedAt: session.startedAt,
    endedAt: new Date(endedAt).toISOString(),
    exchangeCount: observation.exchangeCount,
    ...(instances > 1 ? { instances } : {}),
    results,
    certification: certificationResults(certifiedTests(results)),
  };
}

export interface JournalToJudge {
  /** A directory holding `journal.jsonl` (an observation directory). */
  readonly dir: string;
  /** How the evidence names the instance; the directory's name when not given. */
  readonly instance?: string;
}

/**
 * Judges one finished (or crashed) observation again from its journal, or the journals of several observers (one per
 * backend instance or CI shard) as one observation: calls in time order, token reuse judged per instance. The
 * observation ends at its last clean stop, or, for a journal a crash cut short, at its last call.
 */
export function judgeJournals(
  journals: readonly JournalToJudge[],
  options: { readonly limits?: Partial<UsageLimits>; readonly journalKey?: string } = {},
): ObservationEvidence {
  if (journals.length === 0) throw new ConfigurationError('no observation journal to judge');
  const limits = checkedLimits(options.limits);
  const sources = journals.map((j, index) => ({
    file: path.join(j.dir, JOURNAL_FILE),
    instance: journals.length > 1 ? (j.instance ?? (path.basename(path.resolve(j.dir)) || `instance-${index + 1}`)) : '',
  }));
  const sessions = sources.map((s) => sessionOf(s.file));
  const [first] = sessions;
  if (!first) throw new ConfigurationError('no observation journal to judge');
  for (const [index, other] of sessions.entries()) {
    if (other.issuerId !== first.issuerId)
      throw new ConfigurationError(
        `${sources[index]?.file} observes issuer ${other.issuerId}, not ${first.issuerId}: one observation is one issuer's`,
      );
  }
  const keys = journals.map((j) => journalKeyIn(j.dir, false, options.journalKey ?? process.env.OBSERVER_JOURNAL_KEY));
  const literals = new SessionLiterals();
  const observation = new Observation(setupOf(first, limits), certificationPlan(new Set(CONDITIONAL_APIS)), literals);
  let endedAt = Date.parse(first.startedAt);
  for (const { line, source } of mergedLines(sources)) {
    feed(observation, literals, keys, line, source);
    if (line.t === 'end') endedAt = Math.max(endedAt, Date.parse(line.at));
    if (line.t === 'call') endedAt = Math.max(endedAt, line.exchange.receivedAt + line.exchange.durationMs);
  }
  const session: SessionLine =
    journals.length > 1 ? { ...first, startedAt: sessions.map((s) => s.startedAt).sort()[0] ?? first.startedAt } : first;
  return evidenceOf(observation, session, sources, endedAt, journals.length);
}

/**
 * Starts the observer of an issuer's calls to D1. Recording mode (no upstream) runs an embedded mock D1 on another
 * loopback port and forwards to it; proxy mode forwards to the D1 given. Either way every call goes through the same
 * forwarder, is judged and protected as it completes, appended to the journal, and told to the usage judges.
 */
export async function startObserver(options: ObserverOptions): Promise<RunningObserver> {
  issuerIdOf(options.issuerId, 'the issuerId');
  const keys = options.keys ?? [];
  const issuerKeys = publicKeysOf(keys);
  const limits = checkedLimits(options.limits);
  if (options.upstream && options.mock)
    throw new ConfigurationError('the embedded mock D1 options apply to recording only, not in front of an upstream D1');
  const host = options.host ?? '127.0.0.1';
  const controlToken = options.controlToken ?? (isLocalOnly(host) ? undefined : randomBytes(18).toString('base64url'));

  // The journal first: a wrong directory or a journal that is not this observation's stops before anything listens.
  const journalDir = options.journalDir ?? mkdtempSync(path.join(tmpdir(), 'observation-'));
  mkdirSync(journalDir, { recursive: true });
  const journalFile = path.join(journalDir, JOURNAL_FILE);
  const resuming = options.resume === true;
  if (resuming && !existsSync(journalFile)) throw new ConfigurationError(`nothing to resume: no observation journal at ${journalFile}`);
  if (!resuming && existsSync(journalFile))
    throw new ConfigurationError(`an observation journal is already at ${journalFile}: resume it, or write to another directory`);
  const key = journalKeyIn(journalDir, !resuming, options.journalKey ?? process.env.OBSERVER_JOURNAL_KEY);
  const earlier = resuming ? sessionOf(journalFile) : undefined;
  if (earlier && earlier.issuerId !== options.issuerId)
    throw new ConfigurationError(`the journal at ${journalFile} observes issuer ${earlier.issuerId}, not ${options.issuerId}`);
  const mode = options.upstream ? 'proxy' : 'recording';
  if (earlier && earlier.mode !== mode)
    throw new ConfigurationError(`the journal at ${journalFile} was a ${earlier.mode}: resume it in ${earlier.mode} mode`);

  let mockD1: RunningMockD1 | undefined;
  let upstream: Upstream;
  let dispatcher: Agent | undefined;
  let d1: string;
  if (options.upstream) {
    const bankingUrl = httpUrl(options.upstream.bankingUrl, 'the upstream D1 banking URL');
    const authUrl = httpUrl(options.upstream.authUrl ?? `${new URL(bankingUrl).origin}${AUTH_MOUNT}`, 'the upstream D1 auth URL');
    const tls = options.upstream.tls;
    if (tls && Boolean(tls.cert) !== Boolean(tls.key))
      throw new ConfigurationError('mutual TLS needs both the client certificate and its key');
    dispatcher = tls ? new Agent({ connect: { ...tls } }) : undefined;
    upstream = { bankingUrl, authUrl, ...(dispatcher ? { dispatcher } : {}) };
    d1 = bankingUrl;
  } else {
    if (keys.length === 0) throw new ConfigurationError("recording needs the issuer's public key, to verify its assertions as D1 would");
    const { backend, immediateResults, ...mockOptions } = options.mock ?? {};
    const embedded = await startMockD1({
      ...mockOptions,
      behaviour: { immediateResults: immediateResults === true, ...mockOptions.behaviour },
      acceptInferredDepartures: true,
      issuers: [{ issuerId: options.issuerId, keys, ...(backend ? { backend } : {}) }],
      autoEnrolment: options.autoEnrolment === true,
    });
    mockD1 = embedded;
    upstream = {
      bankingUrl: embedded.bankingUrl,
      authUrl: embedded.authUrl,
      controlsOrigin: embedded.url,
      inProcess: (incoming) => embedded.handle(incoming),
    };
    d1 = EMBEDDED_D1_LABEL;
  }
  const backendUrl = options.mock?.backend?.baseUrl.replace(/\/+$/, '');

  const session: SessionLine = earlier ?? {
    t: 'session',
    version: JOURNAL_VERSION,
    issuerId: options.issuerId,
    mode,
    d1,
    instance: '',
    startedAt: new Date().toISOString(),
    key: key.fingerprint,
    notificationsVisible: mockD1 !== undefined,
    consumerInformationVisible: mockD1 !== undefined && backendUrl !== undefined,
    autoEnrolment: options.autoEnrolment === true,
    cardProducts: mockD1 ? Object.keys({ ...DEFAULT_CARD_PRODUCTS, ...options.mock?.cardProducts }) : undefined,
    issuerKids: keys.map((k) => k.kid),
  };
  const literals = new SessionLiterals();
  const plan = options.plan ?? certificationPlan(new Set(CONDITIONAL_APIS));
  const observation = new Observation(setupOf(session, limits), plan, literals);
  // A resumed session is judged from its journal first, exactly as it was when the observer stopped.
  if (earlier)
    for (const { line, source } of mergedLines([{ file: journalFile, instance: '' }])) feed(observation, literals, [key], line, source);
  literals.add({
    credentials: [...(options.secrets ?? []), ...(options.mock?.backend?.clientSecret ? [options.mock.backend.clientSecret] : [])],
  });
  const writer = new JournalWriter(journalFile);
  void writer.append(earlier ? { t: 'resumed', at: new Date().toISOString() } : session);
  // On disk before anything listens: a journal killed at once still says whose it is.
  writer.flush();

  const protector = new Protector(key, literals);
  const arrival = new Arrival(protector, options.issuerId, issuerKeys);
  const live = new LiveFeed({ issuerId: options.issuerId, mode, d1, startedAt: session.startedAt }, () => observation.progress());
  const log = options.log;
  const keep = (line: JournalLine): Promise<void> => {
    const written = writer.append(line);
    observation.take(line);
    return written;
  };

  // The embedded mock sends its notifications through the product's HTTP client, in this process: listening there
  // shows which operations' notifications the issuer's backend acknowledged.
  const escapedIssuer = options.issuerId.replace(/[^A-Za-z0-9_-]/g, '\\$&');
  const notificationPath = new RegExp(`/notifications/d1/v2/issuers/${escapedIssuer}/(cards|consumers)$`);
  const consumerInformationPath = new RegExp(`/banking/d1/v1/issuers/${escapedIssuer}/consumers/([^/]+)$`);
  const stopListening =
    mockD1 && backendUrl
      ? onExchange((exchange) => {
          const { request } = exchange;
          if (!request.url.startsWith(`${backendUrl}/`)) return;
          const asked = request.method === 'GET' ? consumerInformationPath.exec(new URL(request.url).pathname)?.[1] : undefined;
          if (asked) {
            const info = (exchange.response?.json as { consumerInfo?: unknown } | undefined)?.consumerInfo;
            // Field names only: the values are personal data the observer has no use for.
            const fields =
              info && typeof info === 'object'
                ? Object.entries(info)
                    .filter(([, value]) => value !== null && value !== undefined && value !== '')
                    .map(([name]) => name)
                : [];
            void keep({
              t: 'consumer-information',
              answer: {
                at: Date.now(),
                consumerId: protector.string(decodeURIComponent(asked), 'consumerId'),
                answeredStatus: exchange.response?.status,
                fields,
              },
            });
            return;
          }
          if (request.method !== 'POST') return;
          const kind = notificationPath.exec(new URL(request.url).pathname)?.[1];
          if (!kind) return;
          let items: { operationId: string; status: string }[] = [];
          try {
            const body = JSON.parse(String(request.body ?? '')) as { operations?: { operationId?: unknown; status?: unknown }[] };
            // Kept as the calls keep them: the operationId hashed, so that it compares with the one D1 answered.
            items = (body.operations ?? []).map((o) => ({
              operationId: protector.string(String(o.operationId), 'operationId'),
              status: String(o.status),
            }));
          } catch {
            // A notification the mock could not have sent; nothing to learn from it.
          }
          void keep({
            t: 'notification',
            notification: {
              at: Date.now(),
              kind: kind === 'cards' ? 'card' : 'consumer',
              items,
              answeredStatus: exchange.response?.status,
            },
          });
        })
      : undefined;

  let sequence = observation.lastSequence;
  let server: Awaited<ReturnType<typeof startForwarder>>;
  try {
    server = await startForwarder({
      upstream,
      host,
      port: options.port,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(controlToken !== undefined ? { controlToken } : {}),
      local: (incoming) => liveViewAnswer(live, incoming),
      ...(log ? { log } : {}),
      onCall: (call) => {
        try {
          sequence += 1;
          const arriving = arrivingCallOf(call, sequence);
          const { sealed, line } = arrival.lines(arriving, {
            keepRecord: (departs) => observation.wantsRecord(arriving.operationId, departs),
            exercised: observation.exercisedBy(arriving.operationId),
          });
          if (sealed) void writer.append({ t: 'sealed', sealed });
          const written = keep(line);
          live.call(liveCallOf(line));
          return written;
        } catch (error) {
          // Recording must never cost the issuer its answer; the failure is logged instead.
          log?.(`[observer] could not record ${call.incoming.id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
  } catch (error) {
    stopListening?.();
    writer.close();
    // An observation that never listened saw nothing: its new journal would only read as one cut short.
    if (!earlier) removeJournal(journalDir);
    await mockD1?.stop();
    await dispatcher?.close();
    // A port the system refuses is the caller's wrong option: each command names it in its own words (listeningOn).
    throw error;
  }
  arrival.origin = server.url;

  let stopped: Promise<ObservationEvidence> | undefined;
  const finish = async (): Promise<ObservationEvidence> => {
    const endedAt = Date.now();
    live.end();
    // A live page open on the observation gets to see it end before the server goes.
    if (live.watched(5_000)) await delay(LIVE_END_GRACE_MS);
    await server.stop();
    if (mockD1) {
      await Promise.race([mockD1.notificationsSettled(), delay(NOTIFICATION_SETTLE_MS)]);
      await mockD1.stop();
    }
    stopListening?.();
    await dispatcher?.close();
    void writer.append({ t: 'end', at: new Date(endedAt).toISOString() });
    writer.close();
    return evidenceOf(observation, session, [{ file: journalFile, instance: '' }], endedAt, 1);
  };

  const liveViewUrl = `${server.url}${LIVE_VIEW_PATH}${controlToken !== undefined ? `?token=${encodeURIComponent(controlToken)}` : ''}`;
  return {
    url: server.url,
    bankingUrl: `${server.url}${BANKING_MOUNT}`,
    authUrl: `${server.url}${AUTH_MOUNT}`,
    liveViewUrl,
    controlToken,
    mode,
    d1,
    mockD1,
    journal: journalFile,
    observedCalls: () => observation.exchangeCount,
    progress: () => observation.progress(),
    departuresSoFar: () => observation.departuresSoFar(),
    stop: () => (stopped ??= finish()),
  };
}

/** A call whose redacted record was not kept, shown as the journal keeps it: its values hashed, shown as redacted. */
function keptRecordOf(exchange: ObservedExchange): ExchangeRecord {
  const text = (value: unknown): string | undefined => (value === undefined ? undefined : shown(JSON.stringify(value, null, 2)));
  return {
    startedAt: new Date(exchange.receivedAt).toISOString(),
    durationMs: exchange.durationMs,
    method: exchange.method,
    url: shown(exchange.path),
    requestHeaders: { note: 'shown as the journal keeps the call: every value it does not judge by is redacted' },
    requestBody: text(exchange.body),
    status: exchange.response?.status,
    responseHeaders: {},
    responseBody: text(exchange.response?.json),
    error: exchange.transportError,
  };
}

const pathOf = (url: string): string => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};

/** A journal's call line as the live view shows it. */
function liveCallOf(line: CallLine): LiveCall {
  const { exchange } = line;
  const departures = line.departures.map((d) => liveDeparture(d.ruleId, `${d.part} ${d.pointer || '/'}`, d.documented, d.received));
  return {
    sequence: exchange.sequence,
    at: exchange.receivedAt,
    instance: exchange.instance,
    method: exchange.method,
    // The path as the evidence shows it: readable, redacted.
    path: line.record ? shown(pathOf(line.record.url)) : shown(exchange.path),
    operationId: exchange.operationId,
    status: exchange.response?.status,
    verdict: !exchange.response
      ? 'no answer'
      : !exchange.operationId
        ? 'outside the contracts'
        : departures.length > 0
          ? 'departing'
          : 'conforming',
    departures,
  };
}
