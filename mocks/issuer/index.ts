import { randomBytes } from 'node:crypto';
import { NOTIFICATION_VALUE_FORMS, hasForm } from '../../lib/contracts/notification-form.js';
import { faultSet } from '../faults.js';
import { ConfigurationError } from '../../lib/config/errors.js';
import { issuerId as issuerIdOf, port as portOf } from '../../lib/config/values.js';
import { startServer } from '../http/server.js';
import { answerSettings, issuerErrorBody } from './answers.js';
import { resolveChaos, startChaosFront, type ChaosOptions, type ChaosStats } from './chaos.js';
import { ConsumerDirectory, DEFAULT_CONSUMERS, type ConsumerInfo } from './consumer-directory.js';
import { consumerInfoSettings } from './consumer-info-endpoint.js';
import { issuerFaults } from './faults.js';
import { resetIssuerState, type IssuerConfig, type IssuerContext } from './issuer-context.js';
import { NotificationLedger, type NotificationDelivery, type OperationState } from './notification-ledger.js';
import { notificationSettings } from './notification-endpoints.js';
import { issuerRequestHandler } from './request-handler.js';
import { tokenEndpointSettings } from './token-endpoint.js';
import { TokenStore } from './token-store.js';
import { startOidcTokenServer } from './oidc-token-server.js';
import { variantSet } from './variants.js';

export type { ConsumerInfo } from './consumer-directory.js';
export { DEFAULT_CONSUMER_ID, DEFAULT_CONSUMERS } from './consumer-directory.js';
export type { NotificationDelivery, NotificationKind, OperationState, ReceivedOperation, OperationStatus } from './notification-ledger.js';
export { issuerFaults, type IssuerFaultName } from './faults.js';
export { issuerVariants, type IssuerVariantName } from './variants.js';
export { INSPECTION_PREFIX } from './inspection.js';
export type { ChaosOptions, ChaosStats } from './chaos.js';

export interface ReferenceIssuerOptions {
  /** Exactly 10 characters, as the contracts require; default TESTBANK01. */
  readonly issuerId?: string;
  /** The Basic client id D1 authenticates with; default d1-notifier. */
  readonly clientId?: string;
  /** The Basic client secret; default a random one, readable from the running issuer. */
  readonly clientSecret?: string;
  /** Lifetime of the access tokens granted, a whole number of seconds; default 900. */
  readonly tokenLifetimeSeconds?: number;
  /** Whether notifications and consumer information need a bearer token (OAuth enabled for the issuer); default true. */
  readonly requireBearer?: boolean;
  /** The consumers the issuer knows, replacing the default one (cns_known_0001). */
  readonly consumers?: Readonly<Record<string, ConsumerInfo>>;
  /** Consumers whose state forbids sharing their data, answered 403; default cns_restricted_0001. */
  readonly restrictedConsumers?: readonly string[];
  /** The cards the issuer knows, by cardId, replacing the default one (crd_known_0001). */
  readonly cards?: readonly string[];
  /** Names of planted bugs to switch on (see issuerFaults). */
  readonly faults?: readonly string[];
  /**
   * Which run of a repeated certification (`certify --repeat`, CERTIFY_REPETITION) the issuer serves, from 1; default 1.
   * Only the intermittent fault `unknown-consumer-answered-200-in-odd-runs` reads it.
   */
  readonly repetition?: number;
  /** Names of legitimate variants to switch on (see issuerVariants): other choices the documents allow. */
  readonly variants?: readonly string[];
  /** 0, the default, picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Receives one redacted line per request; nothing is logged by default. */
  readonly log?: (line: string) => void;
  /**
   * An unreliable issuer for fault-tolerance tests: notification calls answered 500, left unanswered or reset, with
   * the probabilities given, decided by a generator seeded with `seed`. Off by default.
   */
  readonly chaos?: ChaosOptions;
}

export interface RunningReferenceIssuer {
  /** Origin of the issuer backend, e.g. http://127.0.0.1:41234: ISSUER_BASE_URL. */
  readonly url: string;
  /** `url` + /authz/d1/v1, where the token endpoint lives: ISSUER_AUTH_URL. */
  readonly authUrl: string;
  readonly issuerId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every accepted notification call, in arrival order. */
  deliveries(): readonly NotificationDelivery[];
  /** The latest state of each notified operation. */
  operationStates(): readonly OperationState[];
  issuedTokenCount(): number;
  /** What the chaos option did to the notification calls so far; undefined without it. */
  chaosStats(): ChaosStats | undefined;
  /** Forgets deliveries and tokens; settings and consumers stay. */
  reset(): void;
  /** Adds or replaces a known consumer; a consumerInfo the contract refuses is a ConfigurationError. */
  setConsumer(consumerId: string, info: ConsumerInfo): void;
  /** Returns whether the consumer was known. */
  removeConsumer(consumerId: string): boolean;
  stop(): Promise<void>;
}

export const DEFAULT_ISSUER_ID = 'TESTBANK01';
/** A consumer a fresh reference issuer knows by id but may not share (its state forbids it). */
export const DEFAULT_RESTRICTED_CONSUMER_ID = 'cns_restricted_0001';
/** The card a fresh reference issuer knows. */
export const DEFAULT_CARD_ID = 'crd_known_0001';
export const DEFAULT_CLIENT_ID = 'd1-notifier';
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 900;
/** Where the token endpoint is mounted below the issuer's origin. */
export const AUTH_BASE_PATH = '/authz/d1/v1';

/** Settles the options into a configuration, refusing what would make the issuer unusable or contract-invalid. */
export function resolveIssuerConfig(options: ReferenceIssuerOptions): IssuerConfig {
  const issuerId = issuerIdOf(options.issuerId ?? DEFAULT_ISSUER_ID, 'issuerId');
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  // Basic authentication splits user and password at the first colon, so a client id cannot hold one.
  if (clientId === '' || clientId.includes(':')) throw new ConfigurationError('clientId must be non-empty and contain no colon');
  if (options.clientSecret === '') throw new ConfigurationError('clientSecret must not be empty');
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(tokenLifetimeSeconds) || tokenLifetimeSeconds < 1) {
    throw new ConfigurationError(`tokenLifetimeSeconds must be a whole number of seconds, at least 1, got ${String(tokenLifetimeSeconds)}`);
  }
  const knownCards = options.cards ?? [DEFAULT_CARD_ID];
  // A card D1 could never name is one no notification can be about.
  const unnameable = knownCards.filter((cardId) => !hasForm('cardId', cardId));
  if (unnameable.length > 0)
    throw new ConfigurationError(`cards ${unnameable.join(', ')}: a cardId must match ${NOTIFICATION_VALUE_FORMS.cardId.pattern ?? ''}`);
  // Only checked here, so that a wrong port is refused like every other option, before anything listens.
  portOf(options.port, 'port');
  const repetition = options.repetition ?? 1;
  if (!Number.isSafeInteger(repetition) || repetition < 1)
    throw new ConfigurationError(`repetition must be a whole number, at least 1, got ${String(repetition)}`);
  return {
    issuerId,
    clientId,
    clientSecret: options.clientSecret ?? randomBytes(24).toString('base64url'),
    tokenLifetimeSeconds,
    requireBearer: options.requireBearer ?? true,
    restrictedConsumers: new Set(options.restrictedConsumers ?? [DEFAULT_RESTRICTED_CONSUMER_ID]),
    knownCards: new Set(knownCards),
    repetition,
  };
}

/** Starts a correct issuer backend (what a bank should implement), with the planted bugs asked for. */
export async function startReferenceIssuer(options: ReferenceIssuerOptions = {}): Promise<RunningReferenceIssuer> {
  const config = resolveIssuerConfig(options);
  // Checked before anything listens, like every other option.
  if (options.chaos) resolveChaos(options.chaos);
  const variants = variantSet(options.variants ?? []);
  const context: IssuerContext = {
    config,
    faults: faultSet(issuerFaults, options.faults ?? []),
    variants,
    settings: {
      notifications: notificationSettings(variants),
      consumerInformation: consumerInfoSettings(variants),
      answers: answerSettings(variants),
      tokens: tokenEndpointSettings(variants),
    },
    tokens: new TokenStore(config.tokenLifetimeSeconds),
    ledger: new NotificationLedger(),
    consumers: new ConsumerDirectory(options.consumers ?? DEFAULT_CONSUMERS),
  };
  const server = await startServer(issuerRequestHandler(context), {
    name: 'reference-issuer',
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    errorBody: issuerErrorBody,
    ...(options.log ? { log: options.log } : {}),
  });
  // With chaos on, callers reach the issuer through the chaos front only, so its URL is the issuer's.
  const front = options.chaos
    ? await startChaosFront(server.url, options.chaos, options.log ?? ((): void => undefined)).catch(async (error: unknown) => {
        await server.stop();
        throw error;
      })
    : undefined;
  const url = front?.url ?? server.url;
  // The OAuth server variant: a certified server grants the tokens, and the issuer's endpoints accept them.
  const oauthServer = variants.has('oauth-server-oidc-provider')
    ? await startOidcTokenServer({
        host: options.host ?? '127.0.0.1',
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        tokenLifetimeSeconds: config.tokenLifetimeSeconds,
        onIssued: (accessToken, expiresAt) => {
          context.tokens.accept(accessToken, expiresAt);
        },
      }).catch(async (error: unknown) => {
        await front?.stop();
        await server.stop();
        throw error;
      })
    : undefined;
  return {
    url,
    authUrl: oauthServer?.authUrl ?? `${url}${AUTH_BASE_PATH}`,
    issuerId: config.issuerId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    deliveries: () => context.ledger.deliveries(),
    operationStates: () => context.ledger.operationStates(),
    issuedTokenCount: () => context.tokens.issuedCount,
    chaosStats: () => front?.stats(),
    reset: () => resetIssuerState(context),
    setConsumer: (consumerId, info) => {
      context.consumers.set(consumerId, info);
    },
    removeConsumer: (consumerId) => context.consumers.remove(consumerId),
    stop: async () => {
      await oauthServer?.stop();
      await front?.stop();
      await server.stop();
    },
  };
}
