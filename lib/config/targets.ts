import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { NOTIFICATION_VALUE_FORMS, hasForm } from '../contracts/notification-form.js';
import { conditionalApis } from './conditional-apis.js';
import { ConfigurationError } from './errors.js';
import { ecP256PrivateKey } from './keys.js';
import { httpUrl, issuerId, wholeNumber } from './values.js';

/** The D1 a run talks to: the embedded mock, or an external D1 (a real one, or `npm run mock:d1`). */
export type D1Target =
  | { readonly kind: 'embedded' }
  | {
      readonly kind: 'external';
      readonly bankingUrl: string;
      readonly authUrl: string;
      readonly issuerId: string;
      readonly keyId: string;
      readonly privateKey: KeyObject;
      readonly tls: { readonly cert?: string; readonly key?: string; readonly ca?: string } | undefined;
      /** Card products D1 knows for this issuer, for the suite's test cards. */
      readonly cardProductId: string;
      readonly secondCardProductId: string | undefined;
      /** Click to Pay auto-enrolment is configured for the issuer (D1_AUTO_ENROLMENT=true). */
      readonly autoEnrolment: boolean;
      /** A product whose cards the scheme refuses to enrol, for the checks of failed enrolments; optional. */
      readonly refusedCardProductId: string | undefined;
      /** The public JWK D1 gave for encrypting card data (register, renew, replace), when the issuer has one. */
      readonly cardDataJwk: Readonly<Record<string, unknown>> | undefined;
      /** Where the suite listens for D1's notifications; without it, checks that need them are skipped. */
      readonly notifySinkPort: number | undefined;
    };

/** The issuer backend a run talks to: the embedded reference issuer, or the bank's own. */
export type IssuerTarget =
  | { readonly kind: 'embedded' }
  | {
      readonly kind: 'external';
      readonly baseUrl: string;
      readonly authUrl: string | undefined;
      readonly clientId: string | undefined;
      readonly clientSecret: string | undefined;
      readonly issuerId: string;
      readonly knownConsumerId: string;
      /**
       * A card the backend knows, named in the card notifications the suite sends; optional. Without it the suite names
       * a card the backend may not know and accepts either documented answer where that could decide it.
       */
      readonly knownCardId: string | undefined;
      /** A consumer the backend knows but may not share (its state forbids it), for the 403 check; optional. */
      readonly restrictedConsumerId: string | undefined;
    };

export interface TargetsConfig {
  readonly d1: D1Target;
  readonly issuer: IssuerTarget;
  /** Seed of the property tests; a random one (printed) when unset. */
  readonly seed: number;
  readonly seedWasGiven: boolean;
  readonly numRuns: number | undefined;
  /** The conditional APIs of the D1 API summary the issuer declares applicable; they count for the verdict. */
  readonly applicableConditionalApis: ReadonlySet<string>;
  /** The Basic credentials the suite's notification receiver grants tokens for, when D1 is configured with them. */
  readonly sinkCredentials: { readonly clientId: string; readonly clientSecret: string } | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const need = (env: Env, name: string, why: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} is not set; it is required ${why}`);
  return value;
};

const url = (env: Env, name: string, why: string): string => httpUrl(need(env, name, why), name);

const file = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!existsSync(value)) throw new ConfigurationError(`${name} names a file that does not exist: ${value}`);
  return readFileSync(value, 'utf8');
};

const integer = (env: Env, name: string, min: number, max: number): number | undefined => {
  const value = env[name]?.trim();
  return value ? wholeNumber(value, name, min, max) : undefined;
};

const booleanOf = (env: Env, name: string): boolean => {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigurationError(`${name} must be true or false, got "${env[name] ?? ''}"`);
};

const issuerIdOf = (env: Env, name: string): string => issuerId(need(env, name, 'to name the issuer'), name);

function d1Target(env: Env): D1Target {
  const external = ['D1_AUTH_URL', 'D1_ISSUER_ID', 'D1_KEY_ID', 'D1_PRIVATE_KEY'].filter((n) => env[n]);
  if (!env.D1_BASE_URL?.trim()) {
    const stray = external[0];
    if (stray)
      throw new ConfigurationError(`${stray} is set but D1_BASE_URL is not; set D1_BASE_URL to test an external D1, or unset ${stray}`);
    return { kind: 'embedded' };
  }
  const why = 'when D1_BASE_URL is set';
  const bankingUrl = url(env, 'D1_BASE_URL', why);
  const authUrl = url(env, 'D1_AUTH_URL', why);
  const issuerId = issuerIdOf(env, 'D1_ISSUER_ID');
  const keyId = need(env, 'D1_KEY_ID', why);
  const keyPem = file(env, 'D1_PRIVATE_KEY');
  if (!keyPem)
    throw new ConfigurationError(`D1_PRIVATE_KEY is not set; it is required ${why} (path to the issuer's EC P-256 private key, PEM)`);
  const privateKey = ecP256PrivateKey(keyPem, 'D1_PRIVATE_KEY');
  const cert = file(env, 'D1_CLIENT_CERT');
  const key = file(env, 'D1_CLIENT_KEY');
  if (Boolean(cert) !== Boolean(key))
    throw new ConfigurationError(
      `${cert ? 'D1_CLIENT_KEY' : 'D1_CLIENT_CERT'} is not set; mutual TLS needs both D1_CLIENT_CERT and D1_CLIENT_KEY`,
    );
  const ca = file(env, 'D1_CA');
  const jwkText = file(env, 'D1_CARD_DATA_KEY');
  let cardDataJwk: Record<string, unknown> | undefined;
  if (jwkText) {
    try {
      cardDataJwk = JSON.parse(jwkText) as Record<string, unknown>;
    } catch {
      throw new ConfigurationError('D1_CARD_DATA_KEY does not hold a JSON Web Key');
    }
  }
  return {
    kind: 'external',
    bankingUrl,
    authUrl,
    issuerId,
    keyId,
    privateKey,
    tls: cert || ca ? { ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(ca ? { ca } : {}) } : undefined,
    cardProductId: need(env, 'D1_CARD_PRODUCT_ID', `${why}: the suite creates its test cards with it`),
    secondCardProductId: env.D1_CARD_PRODUCT_ID_OTHER_SCHEME?.trim() || undefined,
    refusedCardProductId: env.D1_REFUSED_CARD_PRODUCT_ID?.trim() || undefined,
    autoEnrolment: booleanOf(env, 'D1_AUTO_ENROLMENT'),
    cardDataJwk,
    // A fixed port, not 0: D1 is configured with it.
    notifySinkPort: integer(env, 'NOTIFY_SINK_PORT', 1, 65535),
  };
}

function issuerTarget(env: Env, d1: D1Target): IssuerTarget {
  const external = ['ISSUER_AUTH_URL', 'ISSUER_CLIENT_ID', 'ISSUER_CLIENT_SECRET', 'ISSUER_CONSUMER_ID', 'ISSUER_CARD_ID'].filter(
    (n) => env[n],
  );
  if (!env.ISSUER_BASE_URL?.trim()) {
    const stray = external[0];
    if (stray)
      throw new ConfigurationError(
        `${stray} is set but ISSUER_BASE_URL is not; set ISSUER_BASE_URL to test an external issuer backend, or unset ${stray}`,
      );
    return { kind: 'embedded' };
  }
  const why = 'when ISSUER_BASE_URL is set';
  const baseUrl = url(env, 'ISSUER_BASE_URL', why);
  const authUrl = env.ISSUER_AUTH_URL?.trim() ? url(env, 'ISSUER_AUTH_URL', why) : undefined;
  const clientId = authUrl ? need(env, 'ISSUER_CLIENT_ID', 'when ISSUER_AUTH_URL is set') : undefined;
  const clientSecret = authUrl ? need(env, 'ISSUER_CLIENT_SECRET', 'when ISSUER_AUTH_URL is set') : undefined;
  const issuerId = env.ISSUER_ID?.trim() ? issuerIdOf(env, 'ISSUER_ID') : d1.kind === 'external' ? d1.issuerId : 'TESTBANK01';
  const knownCardId = env.ISSUER_CARD_ID?.trim() || undefined;
  // D1 names cards by the issuer's own cardId, under the anchored pattern of its card APIs.
  if (knownCardId !== undefined && !hasForm('cardId', knownCardId)) {
    throw new ConfigurationError(
      `ISSUER_CARD_ID must be a cardId as D1 names cards (${NOTIFICATION_VALUE_FORMS.cardId.pattern ?? ''}), got "${knownCardId}"`,
    );
  }
  return {
    kind: 'external',
    baseUrl,
    authUrl,
    clientId,
    clientSecret,
    issuerId,
    knownConsumerId: need(env, 'ISSUER_CONSUMER_ID', `${why} (a consumer the issuer backend knows)`),
    knownCardId,
    restrictedConsumerId: env.ISSUER_RESTRICTED_CONSUMER_ID?.trim() || undefined,
  };
}

/** Reads the targets from the environment; anything wrong is a ConfigurationError naming the variable. */
export function readTargets(env: Env = process.env): TargetsConfig {
  const d1 = d1Target(env);
  const issuer = issuerTarget(env, d1);
  const givenSeed = integer(env, 'SEED', -(2 ** 31), 2 ** 31 - 1);
  const seed = givenSeed ?? Math.floor(Math.random() * 2 ** 31);
  const sinkClientId = env.NOTIFY_SINK_CLIENT_ID?.trim();
  const sinkClientSecret = env.NOTIFY_SINK_CLIENT_SECRET?.trim();
  if (Boolean(sinkClientId) !== Boolean(sinkClientSecret)) {
    throw new ConfigurationError(
      `${sinkClientId ? 'NOTIFY_SINK_CLIENT_SECRET' : 'NOTIFY_SINK_CLIENT_ID'} is not set; the notification receiver needs both or neither`,
    );
  }
  return {
    d1,
    issuer,
    applicableConditionalApis: conditionalApis(env.CERTIFY_CONDITIONAL_APIS),
    seed,
    seedWasGiven: givenSeed !== undefined,
    numRuns: integer(env, 'NUM_RUNS', 1, 1_000_000),
    sinkCredentials: sinkClientId && sinkClientSecret ? { clientId: sinkClientId, clientSecret: sinkClientSecret } : undefined,
  };
}

/** Loads `.env` from the working directory when present; variables already set win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** How reports name an embedded mock standing in for a party, wherever a target is shown or compared. */
export const EMBEDDED_D1_LABEL = 'embedded mock D1';
export const EMBEDDED_ISSUER_LABEL = 'embedded reference issuer';

/** The run's two targets as every report shows them: the external base URL, or the embedded mock's name. */
export function targetLabels(config: Pick<TargetsConfig, 'd1' | 'issuer'>): { readonly d1: string; readonly issuer: string } {
  return {
    d1: config.d1.kind === 'external' ? config.d1.bankingUrl : EMBEDDED_D1_LABEL,
    issuer: config.issuer.kind === 'external' ? config.issuer.baseUrl : EMBEDDED_ISSUER_LABEL,
  };
}
