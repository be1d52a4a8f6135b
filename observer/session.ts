import { Router } from '../lib/contracts/router.js';
import { recordOfExchange, type ExchangeRecord } from '../lib/evidence/exchange.js';
import type { HttpExchange } from '../lib/http/client.js';
import { REDACTED } from '../lib/redaction.js';
import { readBodyAs } from '../mocks/http/server.js';
import type { ForwardedCall } from './forwarder.js';
import { asHttpExchange, type ObservedConsumerInformation, type ObservedExchange, type ObservedNotification } from './observed-exchange.js';
import { folded, nameParts, personalValuesSent } from './personal-data.js';

const router = new Router('d1');

const flatHeaders = (headers: ForwardedCall['incoming']['headers']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]),
  );

/** The exchange as the usage rules read it: routed to its contract operation, its body read by media type. */
export function observedExchangeOf(call: ForwardedCall, sequence: number): ObservedExchange {
  const { incoming } = call;
  const route = router.match(incoming.method, incoming.path);
  const reading = readBodyAs(incoming);
  const queryStart = incoming.target.indexOf('?');
  return {
    sequence,
    requestId: incoming.id,
    receivedAt: call.receivedAt,
    durationMs: call.durationMs,
    method: incoming.method.toUpperCase(),
    path: incoming.path,
    search: queryStart >= 0 ? incoming.target.slice(queryStart) : '',
    query: incoming.query,
    headers: flatHeaders(incoming.headers),
    rawBody: incoming.rawBody,
    body: reading.kind === 'json' || reading.kind === 'form' ? reading.value : undefined,
    unreadableBody: reading.kind === 'unreadable' ? reading.reason : undefined,
    operationId: route.kind === 'operation' ? route.operationId : undefined,
    params: route.kind === 'operation' ? route.params : {},
    response: call.response,
    transportError: call.transportError,
  };
}

/** Everything the observer saw during one observation, in arrival order. */
export class ObservationSession {
  readonly exchanges: ObservedExchange[] = [];
  readonly notifications: ObservedNotification[] = [];
  readonly consumerInformation: ObservedConsumerInformation[] = [];

  record(call: ForwardedCall): ObservedExchange {
    const exchange = observedExchangeOf(call, this.exchanges.length + 1);
    this.exchanges.push(exchange);
    return exchange;
  }

  recordNotification(notification: ObservedNotification): void {
    this.notifications.push(notification);
  }

  recordConsumerInformation(answer: ObservedConsumerInformation): void {
    this.consumerInformation.push(answer);
  }
}

/** Credentials the session revealed or the observer was given: tokens, assertions, client secrets. */
function credentialsOf(session: ObservationSession, configured: readonly string[]): string[] {
  const values = new Set(configured);
  for (const exchange of session.exchanges) {
    const json = exchange.response?.json as Record<string, unknown> | undefined;
    for (const key of ['access_token', 'refresh_token', 'id_token']) {
      const token = json && typeof json === 'object' ? json[key] : undefined;
      if (typeof token === 'string') values.add(token);
    }
    const body = exchange.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && typeof body.assertion === 'string') values.add(body.assertion);
    const bearer = /^Bearer\s+(\S+)/i.exec(exchange.headers.authorization ?? '')?.[1];
    if (bearer) values.add(bearer);
  }
  return [...values];
}

/** Personal data the issuer sent, with the pieces a correlation id could be built from: name parts, email local part, digits. */
function personalLiterals(session: ObservationSession): string[] {
  const values = new Set<string>();
  const personal = personalValuesSent(session.exchanges);
  for (const name of personal.names) {
    values.add(name);
    for (const part of name.split(/[\s,.'_#;:/-]+/u)) if (nameParts(part).length > 0) values.add(part);
  }
  for (const email of personal.emails) {
    values.add(email);
    const local = email.split('@')[0] ?? '';
    if (folded(local).length >= 4) values.add(local);
  }
  for (const phone of personal.phones) {
    values.add(phone);
    const digits = phone.replace(/\D/g, '');
    if (digits.length >= 7) values.add(digits);
  }
  return [...values].filter((v) => v.length >= 3);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Credentials are looked up by runs of token characters: a session may hold thousands, too many for patterns.
const TOKEN_RUN = /[A-Za-z0-9_-]{6,}/g;
const MIN_CREDENTIAL_PIECE = 6;

/**
 * The session's redaction: on top of the product's (sensitive keys, card numbers, emails, phones, JWTs), every
 * literal the session revealed is removed from whatever the evidence writes: credentials wherever they stand, and
 * personal data whatever its case, so that a name folded into a correlation id does not reach a file either.
 */
export class SessionRedactor {
  /** Each credential and each of its pieces between characters other than letters, digits, _ and -. */
  private readonly credentialPieces: ReadonlySet<string>;
  private readonly personal: RegExp | undefined;
  private readonly personalWords: RegExp | undefined;

  constructor(
    session: ObservationSession,
    configured: readonly string[],
    private readonly origin: string,
  ) {
    const credentials = credentialsOf(session, configured);
    this.credentialPieces = new Set(
      credentials.flatMap((c) => [c, ...c.split(/[^A-Za-z0-9_-]+/)]).filter((p) => p.length >= MIN_CREDENTIAL_PIECE),
    );
    const literals = personalLiterals(session).sort((a, b) => b.length - a.length);
    const long = literals.filter((v) => v.length >= 4).map(escapeRegExp);
    // A three-letter name part is only a word of its own, so that it does not eat the inside of other words.
    const short = literals.filter((v) => v.length < 4).map(escapeRegExp);
    this.personal = long.length > 0 ? new RegExp(long.join('|'), 'giu') : undefined;
    this.personalWords = short.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${short.join('|')})(?![\\p{L}\\p{N}])`, 'giu') : undefined;
  }

  text(text: string): string {
    let result = text.replace(TOKEN_RUN, (run) => (this.credentialPieces.has(run) ? REDACTED : run));
    if (this.personal) result = result.replace(this.personal, REDACTED);
    if (this.personalWords) result = result.replace(this.personalWords, REDACTED);
    return result;
  }

  private optional(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.text(text);
  }

  private headers(headers: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, this.text(value)]));
  }

  /** An exchange as evidence: the product's redaction, then the session's literals. */
  record(exchange: ObservedExchange): ExchangeRecord {
    return this.httpRecord(asHttpExchange(exchange, this.origin));
  }

  httpRecord(exchange: HttpExchange): ExchangeRecord {
    // The product's redaction by key and pattern first; the session's literals are removed from its output.
    const record = recordOfExchange(exchange);
    return {
      ...record,
      url: this.text(record.url),
      requestHeaders: this.headers(record.requestHeaders),
      requestBody: this.optional(record.requestBody),
      responseHeaders: this.headers(record.responseHeaders),
      responseBody: this.optional(record.responseBody),
      error: this.optional(record.error),
    };
  }
}
