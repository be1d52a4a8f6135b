import type { AnswerSettings } from './answers.js';
import type { ConsumerDirectory } from './consumer-directory.js';
import type { ConsumerInfoSettings } from './consumer-info-endpoint.js';
import type { IssuerFaultName } from './faults.js';
import type { NotificationLedger } from './notification-ledger.js';
import type { NotificationSettings } from './notification-endpoints.js';
import type { TokenEndpointSettings } from './token-endpoint.js';
import type { TokenStore } from './token-store.js';
import type { IssuerVariantName } from './variants.js';

/** The reference issuer's settings, fixed when it starts. */
export interface IssuerConfig {
  readonly issuerId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenLifetimeSeconds: number;
  /** With OAuth enabled (the default), notifications and consumer information need a bearer token from the token endpoint. */
  readonly requireBearer: boolean;
  /** Consumers the issuer knows but whose state forbids sharing their data: answered 403. */
  readonly restrictedConsumers: ReadonlySet<string>;
  /** The cards the issuer knows, by cardId. */
  readonly knownCards: ReadonlySet<string>;
  /** Which run of a repeated certification this issuer serves (1 when not repeated): the intermittent fault reads it. */
  readonly repetition: number;
}

/** What each endpoint module does where the documents leave a choice, settled from the variants at start. */
export interface IssuerSettings {
  readonly notifications: NotificationSettings;
  readonly consumerInformation: ConsumerInfoSettings;
  readonly answers: AnswerSettings;
  readonly tokens: TokenEndpointSettings;
}

/** Everything an endpoint of the reference issuer reads or changes. */
export interface IssuerContext {
  readonly config: IssuerConfig;
  readonly faults: ReadonlySet<IssuerFaultName>;
  /** The legitimate variants switched on; each endpoint module reads its own settings from them. */
  readonly variants: ReadonlySet<IssuerVariantName>;
  readonly settings: IssuerSettings;
  readonly tokens: TokenStore;
  readonly ledger: NotificationLedger;
  readonly consumers: ConsumerDirectory;
}

/** Forgets deliveries and tokens; settings and known consumers stay. */
export function resetIssuerState(context: IssuerContext): void {
  context.ledger.clear();
  context.tokens.clear();
}
