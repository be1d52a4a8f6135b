import { randomBytes, randomFillSync } from 'node:crypto';
import type { Scheme } from './options.js';

export type CardState = 'ACTIVE' | 'INACTIVE' | 'SUSPENDED' | 'DELETED';
export type OperationStatus = 'PENDING' | 'SUCCESSFUL' | 'FAILED';

export interface ConsumerRecord {
  readonly consumerId: string;
  deleted: boolean;
  /** The consumer data (consumerInfo) D1 stores; absent when the issuer keeps them and D1 must ask for them. */
  consumerInfo: Record<string, unknown> | undefined;
}

export interface CardRecord {
  readonly cardId: string;
  readonly consumerId: string;
  readonly cardProductId: string | undefined;
  readonly scheme: Scheme | undefined;
  readonly refusesCardEnrolment: boolean;
  /** A hash of the card number for registered cards, so that a deleted number is refused later; never the number. */
  readonly panFingerprint: string | undefined;
  state: CardState;
  /** The reasonCode of the suspension in force, which decides the resume reasons D1 takes; undefined when not suspended. */
  suspendReason: string | undefined;
}

export type OperationTarget =
  { readonly kind: 'card'; readonly cardId: string } | { readonly kind: 'consumer'; readonly consumerId: string };

export interface OperationRecord {
  readonly operationId: string;
  readonly operation: string;
  readonly target: OperationTarget;
  readonly requestorType: 'ISSUER';
  readonly requestorId: string;
  readonly startTime: string;
  status: OperationStatus;
  endTime: string | undefined;
  errorCode: string | undefined;
  error: string | undefined;
}

/** The Click to Pay directory entry of one consumer for one scheme. */
export interface ProfileRecord {
  readonly scheme: Scheme;
  readonly cards: Set<string>;
}

/** Everything the mock D1 knows about one issuer. */
export class IssuerState {
  readonly consumers = new Map<string, ConsumerRecord>();
  readonly cards = new Map<string, CardRecord>();
  /** consumerId -> the consumer's profiles; a list, since a faulty mock may hold two of one scheme. */
  readonly profiles = new Map<string, ProfileRecord[]>();
  readonly cardOperations = new Map<string, OperationRecord[]>();
  readonly consumerOperations = new Map<string, OperationRecord[]>();
  /** Cards once opted out, consumers once enrolled, card numbers once deleted: what the documented idempotency rules turn on. */
  readonly optedOutCards = new Set<string>();
  readonly everEnrolled = new Set<string>();
  readonly deletedPans = new Set<string>();

  constructor(readonly issuerId: string) {}

  /** How many consumers and cards are live (not deleted), of those whose id starts with the prefix given. */
  liveCounts(prefix = ''): { consumers: number; cards: number } {
    let consumers = 0;
    let cards = 0;
    for (const consumer of this.consumers.values()) if (!consumer.deleted && consumer.consumerId.startsWith(prefix)) consumers += 1;
    for (const card of this.cards.values()) if (card.state !== 'DELETED' && card.cardId.startsWith(prefix)) cards += 1;
    return { consumers, cards };
  }

  /** The card, unless it is unknown or deleted. */
  liveCard(cardId: string): CardRecord | undefined {
    const card = this.cards.get(cardId);
    return card && card.state !== 'DELETED' ? card : undefined;
  }

  consumer(consumerId: string): ConsumerRecord {
    let record = this.consumers.get(consumerId);
    if (!record) {
      record = { consumerId, deleted: false, consumerInfo: undefined };
      this.consumers.set(consumerId, record);
    }
    return record;
  }

  profilesOf(consumerId: string): ProfileRecord[] {
    let list = this.profiles.get(consumerId);
    if (!list) {
      list = [];
      this.profiles.set(consumerId, list);
    }
    return list;
  }

  /** The profile that lists the card, if any. */
  profileHolding(cardId: string): { consumerId: string; profile: ProfileRecord } | undefined {
    for (const [consumerId, list] of this.profiles) {
      const profile = list.find((p) => p.cards.has(cardId));
      if (profile) return { consumerId, profile };
    }
    return undefined;
  }

  operationsOf(target: OperationTarget): OperationRecord[] {
    const map = target.kind === 'card' ? this.cardOperations : this.consumerOperations;
    const key = target.kind === 'card' ? target.cardId : target.consumerId;
    let list = map.get(key);
    if (!list) {
      list = [];
      map.set(key, list);
    }
    return list;
  }
}

/** The mock D1's whole state: one IssuerState per issuer, made on first use. */
export class D1State {
  private readonly issuers = new Map<string, IssuerState>();

  of(issuerId: string): IssuerState {
    let state = this.issuers.get(issuerId);
    if (!state) {
      state = new IssuerState(issuerId);
      this.issuers.set(issuerId, state);
    }
    return state;
  }

  reset(): void {
    this.issuers.clear();
  }
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');

const PREFIX = 'op_';
const TIME_CHARACTERS = 10;
const RANDOM_CHARACTERS = 16;
/**
 * The id being made, `op_` included: the id is read out of it as one flat string. Joined from parts it would be a
 * rope of three strings, kept with every operation record and flattened again each time an answer holds it.
 */
const idBytes = Buffer.alloc(PREFIX.length + TIME_CHARACTERS + RANDOM_CHARACTERS);
idBytes.write(PREFIX, 'latin1');
/** The millisecond whose time characters idBytes holds; operations that share a millisecond share them. */
let idMillisecond = -1;

/** Writes the 10 time-ordered characters of a millisecond into idBytes. */
function writeTimePart(now: number): void {
  let time = now;
  for (let i = PREFIX.length + TIME_CHARACTERS - 1; i >= PREFIX.length; i -= 1) {
    idBytes[i] = ALPHABET_CODES[time % 32] ?? 0x30;
    time = Math.floor(time / 32);
  }
  idMillisecond = now;
}

// One system call for many identifiers, and the random bytes turned into the alphabet's characters once per refill:
// a random call, then a character at a time, per operation showed in the mock's profile under load.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** An operation id in D1's documented format: `op_` and 26 characters, time-ordered like a ULID. */
export function newOperationId(now = Date.now()): string {
  if (now !== idMillisecond) writeTimePart(now);
  if (poolOffset + RANDOM_CHARACTERS > pool.length) {
    randomFillSync(pool);
    // 256 is a multiple of 32: every character is as likely as another.
    for (let i = 0; i < pool.length; i += 1) pool[i] = ALPHABET_CODES[(pool[i] ?? 0) % 32] ?? 0x30;
    poolOffset = 0;
  }
  // Byte by byte: Buffer#copy and its checks showed in the profile, for sixteen bytes.
  for (let i = 0; i < RANDOM_CHARACTERS; i += 1) idBytes[PREFIX.length + TIME_CHARACTERS + i] = pool[poolOffset + i] ?? 0x30;
  poolOffset += RANDOM_CHARACTERS;
  return idBytes.toString('latin1');
}

export function newCardId(): string {
  return `crd_${randomBytes(15)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .toLowerCase()}`;
}
