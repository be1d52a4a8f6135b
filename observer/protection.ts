/**
 * How the observer keeps what it saw without keeping a secret or a personal value in clear: every such value becomes
 * a keyed hash (HMAC-SHA-256 under the journal's key), equal wherever the same value was sent, so that the rules can
 * still compare a token with the one granted or a stored field with its update. The literal values a later call must
 * be checked against (personal data sent earlier, tokens granted) are kept sealed (AES-256-GCM under the same key), so
 * that a session resumed after a crash judges and redacts exactly as the uninterrupted one would have.
 *
 * The key lives beside the journal (`journal.key`, readable by its owner only) unless OBSERVER_JOURNAL_KEY gives it;
 * evidence filed without the key holds nothing a reader can turn back into a value.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../lib/config/errors.js';
import { REDACTED, isSensitiveKey, redactText } from '../lib/redaction.js';
import { folded, nameParts, type PersonalValues } from './personal-data.js';

export const KEY_FILE = 'journal.key';
/** A protected value as the journal writes it. */
export const PROTECTED_VALUE = /\[redacted:[0-9a-f]{24}\]/g;
const MIN_SHARED_KEY = 16;

/** The journal's key: hashes values and seals the literals a resumed session needs. */
export class JournalKey {
  /** Names the key without revealing it: journals merged into one observation say whether their hashes compare. */
  readonly fingerprint: string;
  // The same values come back call after call (one token, one consumer read a thousand times): hashing each once.
  private readonly cache = new Map<string, string>();

  constructor(private readonly secret: Buffer) {
    this.fingerprint = createHash('sha256').update(secret).update('fingerprint').digest('hex').slice(0, 16);
  }

  hash(value: string): string {
    let hashed = this.cache.get(value);
    if (hashed === undefined) {
      hashed = `[redacted:${createHmac('sha256', this.secret).update(value).digest('hex').slice(0, 24)}]`;
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(value, hashed);
    }
    return hashed;
  }

  seal(value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secret, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  open(text: string): unknown {
    const bytes = Buffer.from(text, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.secret, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as unknown;
  }
}

/**
 * The key of the journal in a directory: the shared key when one is given (OBSERVER_JOURNAL_KEY, the same for every
 * instance whose journals are merged, so that their hashes compare), else the key file there, made on first use.
 */
export function journalKeyIn(directory: string, create: boolean, shared: string | undefined): JournalKey {
  if (shared !== undefined && shared !== '') {
    if (shared.length < MIN_SHARED_KEY)
      throw new ConfigurationError(`OBSERVER_JOURNAL_KEY must be at least ${MIN_SHARED_KEY} characters, got ${shared.length}`);
    return new JournalKey(createHash('sha256').update(shared).digest());
  }
  const file = path.join(directory, KEY_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new ConfigurationError(`${file} is not a journal key (64 hexadecimal digits)`);
    return new JournalKey(Buffer.from(text, 'hex'));
  }
  if (!create) throw new ConfigurationError(`no journal key at ${file}: give the key the journal was written with in OBSERVER_JOURNAL_KEY`);
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
  // The mode of a new file is masked by the umask; the key is its owner's alone whatever the umask says.
  chmodSync(file, 0o600);
  return new JournalKey(secret);
}

/** The literal values the observation learned and must never write: what a sealed journal line carries. */
export interface Literals {
  readonly credentials?: readonly string[];
  readonly names?: readonly string[];
  readonly emails?: readonly string[];
  readonly phones?: readonly string[];
}

// Credentials are looked up by runs of token characters: a session may hold thousands, too many for patterns.
const TOKEN_RUN = /[A-Za-z0-9_-]{6,}/g;
const MIN_CREDENTIAL_PIECE = 6;
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MAX_DEPTH = 32;

/**
 * What the session knows must not be written, growing as calls arrive: credentials (tokens granted, assertions,
 * configured secrets) wherever they stand, and personal data whatever its case, with the pieces a correlation id
 * could be built from (name parts, an email's local part, a phone's digits).
 */
export class SessionLiterals {
  readonly names = new Set<string>();
  readonly emails = new Set<string>();
  readonly phones = new Set<string>();
  private readonly credentials = new Set<string>();
  private readonly credentialPieces = new Set<string>();
  private readonly personal = new Set<string>();
  private patterns: { long: RegExp | undefined; short: RegExp | undefined } | undefined;
  private values: PersonalValues | undefined;

  /** The names, emails and phones sent so far, as the correlation-id check reads them. */
  personalValues(): PersonalValues {
    this.values ??= { names: [...this.names], emails: [...this.emails], phones: [...this.phones] };
    return this.values;
  }

  /** Adds values; returns those that were new, to be sealed into the journal. */
  add(literals: Literals): Literals | undefined {
    const fresh = { credentials: [] as string[], names: [] as string[], emails: [] as string[], phones: [] as string[] };
    for (const credential of literals.credentials ?? []) {
      if (credential === '' || this.credentials.has(credential)) continue;
      this.credentials.add(credential);
      fresh.credentials.push(credential);
      for (const piece of [credential, ...credential.split(/[^A-Za-z0-9_-]+/)])
        if (piece.length >= MIN_CREDENTIAL_PIECE) this.credentialPieces.add(piece);
    }
    const personal = (set: Set<string>, list: string[], value: string, pieces: readonly string[]): void => {
      if (value === '' || set.has(value)) return;
      set.add(value);
      list.push(value);
      for (const piece of [value, ...pieces]) if (piece.length >= 3) this.personal.add(piece);
      this.patterns = undefined;
      this.values = undefined;
    };
    for (const name of literals.names ?? [])
      personal(
        this.names,
        fresh.names,
        name,
        name.split(/[\s,.'_#;:/-]+/u).filter((part) => nameParts(part).length > 0),
      );
    for (const email of literals.emails ?? []) {
      const local = email.split('@')[0] ?? '';
      personal(this.emails, fresh.emails, email, folded(local).length >= 4 ? [local] : []);
    }
    for (const phone of literals.phones ?? []) {
      const digits = phone.replace(/\D/g, '');
      personal(this.phones, fresh.phones, phone, digits.length >= 7 ? [digits] : []);
    }
    const any = fresh.credentials.length + fresh.names.length + fresh.emails.length + fresh.phones.length > 0;
    return any ? fresh : undefined;
  }

  private personalPatterns(): { long: RegExp | undefined; short: RegExp | undefined } {
    if (!this.patterns) {
      const literals = [...this.personal].sort((a, b) => b.length - a.length);
      const long = literals.filter((v) => v.length >= 4).map(escapeRegExp);
      // A three-letter name part is only a word of its own, so that it does not eat the inside of other words.
      const short = literals.filter((v) => v.length < 4).map(escapeRegExp);
      this.patterns = {
        long: long.length > 0 ? new RegExp(long.join('|'), 'giu') : undefined,
        short: short.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${short.join('|')})(?![\\p{L}\\p{N}])`, 'giu') : undefined,
      };
    }
    return this.patterns;
  }

  /** A text with every literal of the session replaced. */
  text(text: string): string {
    let result =
      this.credentialPieces.size > 0 ? text.replace(TOKEN_RUN, (run) => (this.credentialPieces.has(run) ? REDACTED : run)) : text;
    const { long, short } = this.personalPatterns();
    if (long) result = result.replace(long, REDACTED);
    if (short) result = result.replace(short, REDACTED);
    return result;
  }

  /** Whether a value holds a literal of the session (or is one). */
  holds(value: string): boolean {
    return this.text(value) !== value;
  }
}

/**
 * The members whose values the rules read as they are, and which name no person and hold no secret: an operation's
 * status, D1's error code and the field it names, a card product, a token's type, a reason code. Their values are
 * kept, with anything the redaction or the session's literals find in them replaced.
 */
const KEPT_AS_SENT: ReadonlySet<string> = new Set(['status', 'errorCode', 'error', 'cardProductId', 'token_type', 'reasonCode']);

/**
 * Protects the values of a call before they are kept. Every string becomes its keyed hash (ids, names, tokens,
 * emails, encrypted data alike: the rules only compare them, or ask whether a field has a value), but for an empty
 * one and the members kept as sent; a number under a key that names a secret or a person's data is hashed too. The
 * decision depends on the value and its member only, never on what the session learned before, so the same value
 * is kept the same way from the first call to the last.
 */
export class Protector {
  constructor(
    readonly key: JournalKey,
    readonly literals: SessionLiterals,
  ) {}

  string(value: string, keyName?: string): string {
    if (value.trim() === '') return value;
    if (keyName !== undefined && KEPT_AS_SENT.has(keyName)) return this.literals.text(redactText(value));
    return this.key.hash(value);
  }

  value(value: unknown, keyName?: string, depth = 0): unknown {
    if (typeof value === 'string') return this.string(value, keyName);
    if (typeof value === 'number' && keyName !== undefined && isSensitiveKey(keyName)) return this.key.hash(String(value));
    if (value === null || typeof value !== 'object') return value;
    // Bounded: a hostile body nested thousands of levels deep must not exhaust the stack.
    if (depth > MAX_DEPTH) return REDACTED;
    if (Array.isArray(value)) return value.map((item) => this.value(item, keyName, depth + 1));
    // Built from entries, so that a member named __proto__ stays a member of the copy.
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, this.value(child, name, depth + 1)]));
  }

  // A backend reads the same few paths again and again.
  private readonly paths = new Map<string, string>();

  /** A path with its parameters' segments hashed, the route's own segments kept; a path no route names, redacted. */
  path(path: string, params: Readonly<Record<string, string>>): string {
    let kept = this.paths.get(path);
    if (kept === undefined) {
      kept = this.protectedPath(path, params);
      // A path no route names is redacted with the literals known now: only a routed one is the same for good.
      if (Object.keys(params).length > 0) {
        if (this.paths.size >= 10_000) this.paths.clear();
        this.paths.set(path, kept);
      }
    }
    return kept;
  }

  private protectedPath(path: string, params: Readonly<Record<string, string>>): string {
    const values = new Set(Object.values(params));
    if (values.size === 0) return this.literals.text(redactText(path));
    return path
      .split('/')
      .map((segment) => {
        const value = values.has(segment) ? segment : decodeSegment(segment);
        return segment !== '' && values.has(value) ? this.key.hash(value) : segment;
      })
      .join('/');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A protected text as people read it: every hash shown as the redaction mark. */
export const shown = (text: string): string => text.replace(PROTECTED_VALUE, REDACTED);
