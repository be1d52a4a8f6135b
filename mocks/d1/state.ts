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

let timePartMillisecond = -1;
let timePartText = '';

/** The 10 time-ordered characters of an operation id; operations that share a millisecond share them. */
function timePart(now: number): string {
  if (now === timePartMillisecond) return timePartText;
  let time = now;
  let text = '';
  for (let i = 0; i < 10; i += 1) {
    text = ALPHABET[time % 32] + text;
    time = Math.floor(time / 32);
  }
  timePartMillisecond = now;
  timePartText = text;
  return text;
}

/** An operation id in D1's documented format: `op_` and 26 characters, time-ordered like a ULID. */
export function newOperationId(now = Date.now()): string {
  return `op_${timePart(now)}${randomCharacters(16)}`;
}

// One system call for many identifiers, and the random bytes turned into the alphabet's characters once per refill:
// a random call, then a character at a time, per operation showed in the mock's profile under load.
const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomCharacters(size: number): string {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    // 256 is a multiple of 32: every character is as likely as another.
    for (let i = 0; i < pool.length; i += 1) pool[i] = ALPHABET_CODES[(pool[i] ?? 0) % 32] ?? 0x30;
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.toString('latin1', poolOffset - size, poolOffset);
}

export function newCardId(): string {
  return `crd_${randomBytes(15)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .toLowerCase()}`;
}
