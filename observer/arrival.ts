/**
 * What happens to a call the moment its answer went back to the issuer: it is read (routed to its contract
 * operation, its body parsed), judged on what only its clear values can tell (its contract, its assertion's
 * signature, whether a correlation id or a body holds personal or card data), and turned into the journal line that
 * keeps it, protected. Nothing after this point sees a clear value.
 */
import { verify, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { RuleId } from '../gen/catalogue.js';
import { Router } from '../lib/contracts/router.js';
import { recordOfExchange, type ExchangeRecord } from '../lib/evidence/exchange.js';
import type { HttpExchange } from '../lib/http/client.js';
import { REDACTED, isSensitiveKey, redactText } from '../lib/redaction.js';
import { readBodyAs } from '../mocks/http/server.js';
import { departuresOf, exercisedRulesOf } from './contract-checks.js';
import type { ForwardedCall } from './forwarder.js';
import type { CallLine, JournalDeparture } from './journal.js';
import { clearCardDataIn, SUPERSEDED_BY_CLEAR_CARD_DATA } from './life-cycle-rules.js';
import type { AssertionFacts, ObservedExchange } from './observed-exchange.js';
import { detectedKind, personalDataIn, personalValuesSent } from './personal-data.js';
import type { Literals, Protector } from './protection.js';

const router = new Router('d1');

/** A call as it arrived, whole and in clear: held only while it is judged and protected. */
export interface ArrivingCall {
  readonly sequence: number;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly durationMs: number;
  readonly method: string;
  readonly path: string;
  readonly search: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Lowercased names; repeated headers joined with a comma. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  /** The body read by its media type: a JSON value, the fields of a form, or undefined when empty. */
  readonly body: unknown;
  /** Why the body could not be read (malformed JSON, a media type D1 does not take); undefined when it could. */
  readonly unreadableBody: string | undefined;
  readonly operationId: ObservedExchange['operationId'];
  readonly params: Readonly<Record<string, string>>;
  readonly response:
    | { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly text: string; readonly json: unknown }
    | undefined;
  readonly transportError: string | undefined;
}

const flatHeaders = (headers: ForwardedCall['incoming']['headers']): Record<string, string> => {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
};

/** The call as the rules read it: routed to its contract operation, its body read by media type. */
export function arrivingCallOf(call: ForwardedCall, sequence: number): ArrivingCall {
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

/** The call in the product's HTTP exchange shape, which the evidence module redacts and renders. */
function asHttpExchange(call: ArrivingCall, origin: string): HttpExchange {
  return {
    request: {
      method: call.method,
      url: `${origin}${call.path}${call.search}`,
      headers: call.headers,
      ...(call.rawBody.length > 0 ? { body: call.rawBody } : {}),
    },
    ...(call.response
      ? {
          response: {
            status: call.response.status,
            headers: call.response.headers,
            text: call.response.text,
            json: call.response.json,
            durationMs: call.durationMs,
          },
        }
      : {}),
    ...(call.transportError !== undefined ? { error: call.transportError } : {}),
    startedAt: new Date(call.receivedAt),
  };
}

const objectOf = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/** The credentials a call revealed (tokens granted, the assertion, the bearer token) and the personal data it sent. */
function literalsOf(call: ArrivingCall): Literals {
  const credentials: string[] = [];
  const answer = objectOf(call.response?.json);
  for (const key of ['access_token', 'refresh_token', 'id_token']) {
    const token = answer?.[key];
    if (typeof token === 'string') credentials.push(token);
  }
  const assertion = objectOf(call.body)?.assertion;
  if (typeof assertion === 'string') credentials.push(assertion);
  const bearer = /^Bearer\s+(\S+)/i.exec(call.headers.authorization ?? '')?.[1];
  if (bearer) credentials.push(bearer);
  const personal = personalValuesSent([call.body]);
  return { credentials, names: personal.names, emails: personal.emails, phones: personal.phones };
}

/** The assertion of a token request, read and verified now: what the JWT rules need, never the assertion itself. */
function assertionFacts(text: string, issuerId: string, keys: ReadonlyMap<string, KeyObject>): AssertionFacts {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(text);
    claims = decodeJwt(text);
  } catch {
    return {
      jwt: false,
      alg: undefined,
      kid: undefined,
      iss: 'absent',
      sub: 'absent',
      exp: undefined,
      expPresent: false,
      signature: 'no-key',
    };
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = kid === undefined ? undefined : keys.get(kid);
  const [protectedHeader = '', payload = '', signature = ''] = text.split('.');
  // An ES256 signature over header and payload, as JWS lays it out; any other alg does not verify with an EC P-256 key.
  const verified =
    key !== undefined &&
    header.alg === 'ES256' &&
    verify('sha256', Buffer.from(`${protectedHeader}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  const claim = (value: unknown): AssertionFacts['iss'] => (value === undefined ? 'absent' : value === issuerId ? 'issuerId' : 'other');
  return {
    jwt: true,
    alg: typeof header.alg === 'string' ? header.alg : undefined,
    kid,
    iss: claim(claims.iss),
    sub: claim(claims.sub),
    exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    expPresent: claims.exp !== undefined,
    signature: key === undefined ? 'no-key' : verified ? 'verified' : 'refused',
  };
}

const CARD_DATA_CARRIERS = new Set(['registerCard', 'renewCard', 'replaceCard']);

/** Whether what was judged on arrival already breaks a usage rule: card data in clear, no token, a personal id, a bad assertion. */
function departsOnArrival(exchange: ObservedExchange): boolean {
  const { assertion } = exchange;
  const badAssertion =
    assertion !== undefined &&
    (!assertion.jwt ||
      assertion.signature === 'refused' ||
      assertion.alg !== 'ES256' ||
      assertion.kid === undefined ||
      assertion.iss !== 'issuerId' ||
      assertion.sub !== 'issuerId' ||
      assertion.exp === undefined);
  return (
    exchange.clearCardData !== undefined ||
    exchange.cardIdIsCardNumber ||
    exchange.correlationId?.personal !== undefined ||
    (exchange.path.startsWith('/banking/') && exchange.authorization !== 'bearer') ||
    badAssertion
  );
}

/** Judges and protects arriving calls for one observation. */
export class Arrival {
  constructor(
    private readonly protector: Protector,
    private readonly issuerId: string,
    private readonly issuerKeys: ReadonlyMap<string, KeyObject>,
  ) {}

  /** The observer's origin, as the evidence names the calls: known once it listens. */
  origin = '';

  /** A received value as it may be written: masked when its field holds personal data, literals replaced wherever they are. */
  private safeReceived(pointer: string, received: string): string {
    const field = pointer.split(/[/ ]/).filter(Boolean).pop() ?? '';
    return isSensitiveKey(field) && received !== 'absent' ? REDACTED : this.protector.literals.text(redactText(received));
  }

  private record(call: ArrivingCall): ExchangeRecord {
    const literals = this.protector.literals;
    // The product's redaction by key and pattern first; the session's literals are removed from its output.
    const record = recordOfExchange(asHttpExchange(call, this.origin));
    const text = (value: string): string => literals.text(value);
    const optional = (value: string | undefined): string | undefined => (value === undefined ? undefined : literals.text(value));
    const headers = (all: Readonly<Record<string, string>>): Record<string, string> =>
      Object.fromEntries(Object.entries(all).map(([name, value]) => [name, text(value)]));
    return {
      ...record,
      url: text(record.url),
      requestHeaders: headers(record.requestHeaders),
      requestBody: optional(record.requestBody),
      responseHeaders: headers(record.responseHeaders),
      responseBody: optional(record.responseBody),
      error: optional(record.error),
    };
  }

  /**
   * The journal lines of one call: the literals it revealed, sealed (when there are new ones), then the call,
   * protected, with what was judged on its clear values.
   */
  lines(
    call: ArrivingCall,
    seen: { readonly keepRecord: (departs: boolean) => boolean; readonly exercised: ReadonlySet<RuleId> },
  ): { sealed: string | undefined; line: CallLine } {
    const { protector } = this;
    const fresh = protector.literals.add(literalsOf(call));
    const sealed = fresh ? protector.key.seal(fresh) : undefined;

    const body = objectOf(call.body);
    const clearCardData =
      call.operationId !== undefined && CARD_DATA_CARRIERS.has(call.operationId) ? clearCardDataIn(call.body) : undefined;
    // A body with card data in clear usually breaks the shape of the JWE too: the same fact, failed once, under the
    // security rule rather than under the shape of the body.
    const superseded: ReadonlySet<RuleId> = new Set(clearCardData ? SUPERSEDED_BY_CLEAR_CARD_DATA : []);
    const departures: JournalDeparture[] = departuresOf(call)
      .filter((d) => !(d.side === 'request' && d.violation.ruleId !== undefined && superseded.has(d.violation.ruleId)))
      .map(({ side, violation }) => ({
        side,
        ruleId: violation.ruleId,
        part: violation.part,
        pointer: violation.pointer,
        documented: violation.documented,
        received: this.safeReceived(violation.pointer, violation.received),
      }));
    // Nor does a superseded rule pass on the strength of the very call that broke it.
    // A line names only the rules its call exercised first: the journal's union is the observation's.
    const exercised = exercisedRulesOf(call, seen.exercised).filter((ruleId) => !superseded.has(ruleId));

    const authorization = call.headers.authorization;
    const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    const correlationId = call.headers['x-correlation-id'];
    const literals = protector.literals;
    const assertion = call.operationId === 'getToken' && typeof body?.assertion === 'string' ? body.assertion : undefined;
    const exchange: ObservedExchange = {
      sequence: call.sequence,
      instance: '',
      requestId: call.requestId,
      receivedAt: call.receivedAt,
      durationMs: call.durationMs,
      method: call.method,
      path: protector.path(call.path, call.params),
      operationId: call.operationId,
      params: Object.fromEntries(Object.entries(call.params).map(([name, value]) => [name, protector.string(value, name)])),
      authorization: authorization === undefined ? 'absent' : bearer ? 'bearer' : 'other',
      bearer: bearer === undefined ? undefined : protector.key.hash(bearer),
      correlationId: correlationId === undefined ? undefined : { personal: personalDataIn(correlationId, literals.personalValues()) },
      body: protector.value(call.body),
      assertion: assertion === undefined ? undefined : assertionFacts(assertion, this.issuerId, this.issuerKeys),
      clearCardData,
      cardIdIsCardNumber: call.params.cardId !== undefined && detectedKind(call.params.cardId) === 'a card number',
      response: call.response ? { status: call.response.status, json: protector.value(call.response.json) } : undefined,
      transportError: call.transportError === undefined ? undefined : literals.text(redactText(call.transportError)),
    };
    // The redacted record costs more than everything else here: it is made only for a call the evidence will show.
    const departs = departures.length > 0 || departsOnArrival(exchange);
    const record = seen.keepRecord(departs) ? this.record(call) : undefined;
    return { sealed, line: { t: 'call', exchange, ...(record ? { record } : {}), departures, exercised } };
  }
}
