import type { KeyObject } from 'node:crypto';

export type Scheme = 'VISA' | 'MASTERCARD';
export type FinalStatus = 'SUCCESSFUL' | 'FAILED';

/** An issuer public key D1 holds to verify the issuer's JWT assertions, selected by the assertion header's kid. */
export interface IssuerKey {
  readonly kid: string;
  /** An EC P-256 public key: a KeyObject, or its PEM text. */
  readonly publicKey: KeyObject | string;
}

/** Where D1 delivers notifications and asks for consumer information (the issuer's backend). */
export interface IssuerBackend {
  /** ISSUER_BASE_URL: notifications and consumer information are under it. */
  readonly baseUrl: string;
  /** ISSUER_AUTH_URL: the issuer's OAuth base; absent when the issuer does not protect its endpoints. */
  readonly authUrl?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly scope?: string;
  /** The issuer subscribed to Notify Card Operations (default true). */
  readonly cardNotifications?: boolean;
  /** The issuer subscribed to Notify Consumer Operations (default true). */
  readonly consumerNotifications?: boolean;
}

export interface IssuerRegistration {
  /** Exactly 10 characters, as D1 assigns them. */
  readonly issuerId: string;
  readonly keys: readonly IssuerKey[];
  readonly backend?: IssuerBackend;
}

/** A card product, as agreed at onboarding: its scheme, and whether the scheme refuses its cards' enrolment. */
export interface CardProduct {
  readonly scheme: Scheme;
  /** The scheme enrols the consumer but refuses the card (documented: the profile then shows no card). */
  readonly refusesCardEnrolment?: boolean;
}

/** Choices the documents leave open; each default is the catalogue's inferred rule. */
export interface BehaviourOptions {
  /** Result of enrolling a card already enrolled (CTP-ENROL-REPEAT). */
  readonly repeatedEnrol: FinalStatus;
  /** Result of opting out a card that is not enrolled (CTP-OPTOUT-CARD-REPEAT). */
  readonly repeatedCardOptout: FinalStatus;
  /** Also notify the PENDING state when an operation starts, as D1 may. */
  readonly notifyPending: boolean;
  /**
   * Writes whose result is known at once (register consumer, opt-out of a consumer with nothing to remove) answer
   * it at once; false answers them PENDING first, as every other write, so that their follow-up can be judged.
   */
  readonly immediateResults: boolean;
}

export interface RetryOptions {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly attemptTimeoutMs: number;
}

export interface MockD1Options {
  readonly issuers: readonly IssuerRegistration[];
  /** How long an asynchronous operation stays PENDING before it completes. */
  readonly operationDelayMs?: number;
  readonly tokenLifetimeSeconds?: number;
  /** Allowance for clock differences when checking an assertion's exp. */
  readonly clockSkewSeconds?: number;
  readonly cardProducts?: Readonly<Record<string, CardProduct>>;
  readonly behaviour?: Partial<BehaviourOptions>;
  readonly retry?: Partial<RetryOptions>;
  /** Operations per notification call, at most. */
  readonly maxBatch?: number;
  readonly faults?: readonly string[];
  /**
   * A request that departs only from inferred field rules (our reading, not the documents) is accepted rather than
   * refused: the observer's recording mock does so, so that a bank following the documents gets its calls answered
   * and judged. Departures from documented rules are refused either way.
   */
  readonly acceptInferredDepartures?: boolean;
  /** Names of legitimate variants to switch on (see d1Variants): other choices the documents allow. */
  readonly variants?: readonly string[];
  /** Click to Pay auto-enrolment configured for every issuer: D1 enrols each card it creates or registers. */
  readonly autoEnrolment?: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly log?: (line: string) => void;
}

/** Products every mock D1 knows, so that tests and demos need no set-up; more can be configured. */
export const DEFAULT_CARD_PRODUCTS: Readonly<Record<string, CardProduct>> = {
  prd_debit_classic: { scheme: 'VISA' },
  prd_credit_gold: { scheme: 'MASTERCARD' },
  prd_visa_test: { scheme: 'VISA' },
  prd_mastercard_test: { scheme: 'MASTERCARD' },
  prd_visa_refused: { scheme: 'VISA', refusesCardEnrolment: true },
};

export const DEFAULT_BEHAVIOUR: BehaviourOptions = {
  repeatedEnrol: 'SUCCESSFUL',
  repeatedCardOptout: 'SUCCESSFUL',
  notifyPending: true,
  immediateResults: true,
};

export const DEFAULT_RETRY: RetryOptions = { firstDelayMs: 50, maxDelayMs: 2_000, attemptTimeoutMs: 5_000 };
