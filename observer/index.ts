import type { KeyObject } from 'node:crypto';
import { Agent } from 'undici';
import { onExchange } from '../lib/http/client.js';
import { startMockD1, type IssuerBackend, type IssuerKey, type MockD1Options, type RunningMockD1 } from '../mocks/d1/index.js';
import { ConfigurationError } from '../lib/config/errors.js';
import { ecP256PublicKey } from '../lib/config/keys.js';
import { httpUrl, issuerId as issuerIdOf } from '../lib/config/values.js';
import { EMBEDDED_D1_LABEL } from '../lib/config/targets.js';
import { DEFAULT_CARD_PRODUCTS } from '../mocks/d1/options.js';
import type { RuleId } from '../gen/catalogue.js';
import { checkContracts } from './contract-checks.js';
import { certificationResults, certifiedTests, operationResult, outsideResult, usageResult, type ObservationEvidence } from './evidence.js';
import { AUTH_MOUNT, BANKING_MOUNT, startForwarder, type Upstream } from './forwarder.js';
import { ObservationSession, SessionRedactor } from './session.js';
import { DEFAULT_LIMITS, type UsageLimits } from './limits.js';
import { runUsageChecks, type UsageFinding } from './usage-rules.js';
import { planProgress, type PlanProgress, type PlanStep } from './plan.js';

export type { ObservationEvidence, ObservedResult, WrittenEvidence } from './evidence.js';
export { readObservation, writeObservationEvidence, keepOnlyObservationResults, OBSERVATION_DIR, OBSERVE_PROJECT } from './evidence.js';
export { DEFAULT_LIMITS, type UsageLimits } from './limits.js';
export { OBSERVER_RULES, USAGE_CHECKS, type UsageFinding } from './usage-rules.js';
export { certificationPlan, planProgress, planText, type PlanProgress, type PlanStep } from './plan.js';

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
  /** 0, the default, picks a free port; the observer listens on 127.0.0.1 only. */
  readonly port?: number;
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
  readonly mode: 'recording' | 'proxy';
  /** What stands behind the observer, as the evidence names it. */
  readonly d1: string;
  /** The embedded mock D1 of a recording; undefined in proxy mode. */
  readonly mockD1: RunningMockD1 | undefined;
  /** Calls observed so far. */
  observedCalls(): number;
  /** Where the certification plan stands after the calls seen so far. */
  progress(plan: readonly PlanStep[]): PlanProgress;
  /** The contract departures seen so far, a line each (rule and operation, with a count): the live view, before the full check at stop. */
  departuresSoFar(): readonly string[];
  /** Stops listening, waits for notifications in flight, checks everything seen and returns the evidence. */
  stop(): Promise<ObservationEvidence>;
}

// Notifications still in flight when the observation ends get this long to land, so that their follow-up counts.
const NOTIFICATION_SETTLE_MS = 2_000;

function publicKeysOf(keys: readonly IssuerKey[]): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const { kid, publicKey } of keys) map.set(kid, ecP256PublicKey(publicKey, `the public key of kid ${kid}`));
  return map;
}

/**
 * The contract departures a failed usage finding stands for (the same fact on the same call, seen from the body's
 * shape) are dropped, so that one deviation fails one rule.
 */
function withoutSuperseded(
  checked: ReturnType<typeof checkContracts>,
  findings: readonly UsageFinding[],
): ReturnType<typeof checkContracts> {
  const superseded = new Map<number, Set<RuleId>>();
  for (const found of findings) {
    if (found.outcome !== 'failed' || !found.supersedes) continue;
    for (const sequence of found.exchanges) superseded.set(sequence, new Set([...(superseded.get(sequence) ?? []), ...found.supersedes]));
  }
  if (superseded.size === 0) return checked;
  const operations = checked.operations.map((operation) => ({
    ...operation,
    departures: operation.departures.filter(
      (d) => !(d.side === 'request' && d.violation.ruleId !== undefined && superseded.get(d.sequence)?.has(d.violation.ruleId)),
    ),
    // Nor does a superseded rule pass on the strength of the very calls that broke it.
    exercisedRules: operation.exercisedRules.filter((ruleId) => operation.exchanges.some((e) => !superseded.get(e.sequence)?.has(ruleId))),
  }));
  return { operations, outside: checked.outside };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Starts the observer of an issuer's calls to D1. Recording mode (no upstream) runs an embedded mock D1 on another
 * loopback port and forwards to it; proxy mode forwards to the D1 given. Either way every call goes through the same
 * forwarder, is recorded, and on stop is checked against its contract and the usage rules.
 */
export async function startObserver(options: ObserverOptions): Promise<RunningObserver> {
  issuerIdOf(options.issuerId, 'the issuerId');
  const keys = options.keys ?? [];
  const issuerKeys = publicKeysOf(keys);
  const limits: UsageLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < 0) throw new ConfigurationError(`the limit ${name} must be a number of 0 or more, got ${value}`);
  }
  if (options.upstream && options.mock)
    throw new ConfigurationError('the embedded mock D1 options apply to recording only, not in front of an upstream D1');

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
    mockD1 = await startMockD1({
      ...mockOptions,
      behaviour: { immediateResults: immediateResults === true, ...mockOptions.behaviour },
      acceptInferredDepartures: true,
      issuers: [{ issuerId: options.issuerId, keys, ...(backend ? { backend } : {}) }],
      autoEnrolment: options.autoEnrolment === true,
    });
    upstream = { bankingUrl: mockD1.bankingUrl, authUrl: mockD1.authUrl, controlsOrigin: mockD1.url };
    d1 = EMBEDDED_D1_LABEL;
  }

  const session = new ObservationSession();
  const log = options.log;
  // The embedded mock sends its notifications through the product's HTTP client, in this process: listening there
  // shows which operations' notifications the issuer's backend acknowledged.
  const escapedIssuer = options.issuerId.replace(/[^A-Za-z0-9_-]/g, '\\$&');
  const notificationPath = new RegExp(`/notifications/d1/v2/issuers/${escapedIssuer}/(cards|consumers)$`);
  const consumerInformationPath = new RegExp(`/banking/d1/v1/issuers/${escapedIssuer}/consumers/([^/]+)$`);
  const backendUrl = options.mock?.backend?.baseUrl.replace(/\/+$/, '');
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
            session.recordConsumerInformation({
              at: Date.now(),
              consumerId: decodeURIComponent(asked),
              answeredStatus: exchange.response?.status,
              fields,
            });
            return;
          }
          if (request.method !== 'POST') return;
          const kind = notificationPath.exec(new URL(request.url).pathname)?.[1];
          if (!kind) return;
          let items: { operationId: string; status: string }[] = [];
          try {
            const body = JSON.parse(String(request.body ?? '')) as { operations?: { operationId?: unknown; status?: unknown }[] };
            items = (body.operations ?? []).map((o) => ({ operationId: String(o.operationId), status: String(o.status) }));
          } catch {
            // A notification the mock could not have sent; nothing to learn from it.
          }
          session.recordNotification({
            at: Date.now(),
            kind: kind === 'cards' ? 'card' : 'consumer',
            items,
            answeredStatus: exchange.response?.status,
          });
        })
      : undefined;

  const startedAt = new Date();
  let server: Awaited<ReturnType<typeof startForwarder>>;
  try {
    server = await startForwarder({
      upstream,
      port: options.port,
      ...(log ? { log } : {}),
      onCall: (call) => {
        try {
          session.record(call);
        } catch (error) {
          // Recording must never cost the issuer its answer; the failure is logged instead.
          log?.(`[observer] could not record ${call.incoming.id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
  } catch (error) {
    stopListening?.();
    await mockD1?.stop();
    await dispatcher?.close();
    // A port the system refuses is the caller's wrong option: each command names it in its own words (listeningOn).
    throw error;
  }

  let stopped: Promise<ObservationEvidence> | undefined;
  const finish = async (): Promise<ObservationEvidence> => {
    const endedAt = Date.now();
    await server.stop();
    if (mockD1) {
      await Promise.race([mockD1.notificationsSettled(), delay(NOTIFICATION_SETTLE_MS)]);
      await mockD1.stop();
    }
    stopListening?.();
    await dispatcher?.close();

    const checked = checkContracts(session.exchanges);
    const findings = await runUsageChecks({
      exchanges: session.exchanges,
      notifications: session.notifications,
      notificationsVisible: mockD1 !== undefined,
      issuerId: options.issuerId,
      issuerKeys,
      autoEnrolment: options.autoEnrolment === true,
      cardProducts: mockD1 ? new Set(Object.keys({ ...DEFAULT_CARD_PRODUCTS, ...options.mock?.cardProducts })) : undefined,
      consumerInformation: session.consumerInformation,
      consumerInformationVisible: mockD1 !== undefined && backendUrl !== undefined,
      endedAt,
      limits,
    });
    const { operations, outside } = withoutSuperseded(checked, findings);
    const secrets = [...(options.secrets ?? []), ...(options.mock?.backend?.clientSecret ? [options.mock.backend.clientSecret] : [])];
    const redactor = new SessionRedactor(session, secrets, server.url);
    const results = [
      ...operations.map((o) => operationResult(o, redactor, endedAt)),
      ...findings.map((f) => usageResult(f, session.exchanges, redactor, endedAt)),
      ...(outside.length > 0 ? [outsideResult(outside, redactor, endedAt)] : []),
    ];
    return {
      mode: mockD1 ? 'recording' : 'proxy',
      d1,
      issuerId: options.issuerId,
      startedAt: startedAt.toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      exchangeCount: session.exchanges.length,
      results,
      certification: certificationResults(certifiedTests(results)),
    };
  };

  return {
    url: server.url,
    bankingUrl: `${server.url}${BANKING_MOUNT}`,
    authUrl: `${server.url}${AUTH_MOUNT}`,
    mode: mockD1 ? 'recording' : 'proxy',
    d1,
    mockD1,
    observedCalls: () => session.exchanges.length,
    progress: (plan) => planProgress(plan, session.exchanges, session.notifications),
    departuresSoFar: () => {
      const counts = new Map<string, number>();
      for (const operation of checkContracts(session.exchanges).operations) {
        for (const { violation } of operation.departures) {
          const line = `${violation.ruleId ?? 'a departure no rule names'} (${operation.operationId})`;
          counts.set(line, (counts.get(line) ?? 0) + 1);
        }
      }
      return [...counts].map(([line, count]) => (count > 1 ? `${line} ×${count}` : line));
    },
    stop: () => (stopped ??= finish()),
  };
}
