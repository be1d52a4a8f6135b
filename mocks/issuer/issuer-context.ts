import type { ConsumerDirectory } from './consumer-directory.js';
import type { IssuerFaultName } from './faults.js';
import type { NotificationLedger } from './notification-ledger.js';
import type { TokenStore } from './token-store.js';

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
}

/** Everything an endpoint of the reference issuer reads or changes. */
export interface IssuerContext {
  readonly config: IssuerConfig;
  readonly faults: ReadonlySet<IssuerFaultName>;
  readonly tokens: TokenStore;
  readonly ledger: NotificationLedger;
  readonly consumers: ConsumerDirectory;
}

/** Forgets deliveries and tokens; settings and known consumers stay. */
export function resetIssuerState(context: IssuerContext): void {
  context.ledger.clear();
  context.tokens.clear();
}
