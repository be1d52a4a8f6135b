import { createPrivateKey, type KeyObject } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { operations, type OperationId } from '../gen/operations.js';
import { Agent, type Dispatcher } from 'undici';
import { formRequest, jsonRequest, routeTarget, send, type HttpRequest, type HttpResponse } from './http/client.js';
import { witness, witnessing } from './evidence/witness.js';

/**
 * Starts every consumerId and issuer-chosen cardId the suites create in D1, so that an operator can find what a run
 * left in a shared D1 (within the ConsumerId and CardId patterns: letters, digits, underscore).
 */
export const D1_TEST_ID_PREFIX = 'ctpconf_';

/** The ledger of what a run created in an external D1, under the run's reports directory: one JSON object a line. */
export const CREATED_LEDGER = path.join('certification', 'd1-created.jsonl');

/** One line of the ledger: ids and kinds only, never personal data. */
export interface CreatedEntry {
  readonly kind: 'consumer' | 'card';
  readonly id: string;
  /** For a card, the consumer it was made for: deleting that consumer deletes the card (CONSUMER-DELETE-CASCADE). */
  readonly consumerId?: string;
  /** The creating operation, whose final status says whether anything was created. */
  readonly operationId?: string;
  readonly via: 'registerConsumer' | 'createCard' | 'registerCard';
  readonly at: string;
  /**
   * Written before an issuer-chosen id is sent: a worker stopped before it reads the answer may leave it created
   * unconfirmed. The clean-up deletes such an id too, and counts it only when it was there.
   */
  readonly sent?: true;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** What an accepted call created, when it is a creation: the consumer or card with its ids. */
function createdBy(operationId: OperationId, parts: CallParts, response: HttpResponse): CreatedEntry | undefined {
  if (response.status !== 200) return undefined;
  const answer = (response.json ?? {}) as Record<string, unknown>;
  const body = (parts.body ?? {}) as Record<string, unknown>;
  const common = { operationId: text(answer.operationId), at: new Date().toISOString() };
  if (operationId === 'registerConsumer') {
    const id = text(parts.path?.consumerId);
    return id ? { kind: 'consumer', id, via: operationId, ...common } : undefined;
  }
  if (operationId !== 'createCard' && operationId !== 'registerCard') return undefined;
  const id = operationId === 'createCard' ? text(answer.cardId) : text(parts.path?.cardId);
  const consumerId = text(body.consumerId);
  return id ? { kind: 'card', id, via: operationId, ...(consumerId ? { consumerId } : {}), ...common } : undefined;
}

/** The issuer-chosen id a creation is about to send, before any answer. */
function sentId(operationId: OperationId, parts: CallParts): CreatedEntry | undefined {
  const at = new Date().toISOString();
  if (operationId === 'registerConsumer') {
    const id = text(parts.path?.consumerId);
    return id ? { kind: 'consumer', id, via: operationId, at, sent: true } : undefined;
  }
  if (operationId !== 'registerCard') return undefined;
  const id = text(parts.path?.cardId);
  const consumerId = text(((parts.body ?? {}) as Record<string, unknown>).consumerId);
  return id ? { kind: 'card', id, via: operationId, ...(consumerId ? { consumerId } : {}), at, sent: true } : undefined;
}

/**
 * Declares a D1 as a target of the run's transport: its requests are paced with the other workers', and a fault is
 * absorbed where repeating is harmless (reads and token requests); a write that may have been processed is not repeated.
 */
export function routeD1(options: Pick<D1ClientOptions, 'bankingUrl' | 'authUrl'>): void {
  routeTarget('d1', [options.bankingUrl, options.authUrl], (method, url) => method === 'GET' || url.endsWith('/oauth2/token'));
}

export interface D1ClientOptions {
  /** D1_BASE_URL, e.g. https://api.d1-stg.thalescloud.io/banking */
  readonly bankingUrl: string;
  /** D1_AUTH_URL, e.g. https://api.d1-stg.thalescloud.io/authz/v1 */
  readonly authUrl: string;
  readonly issuerId: string;
  /** The kid D1 knows the issuer's public key by. */
  readonly keyId: string;
  /** The issuer's EC P-256 private key: a KeyObject or PEM text. */
  readonly privateKey: KeyObject | string;
  /** Mutual TLS towards D1: client certificate and key, and the CA to trust, as PEM text. */
  readonly tls?: { readonly cert?: string; readonly key?: string; readonly ca?: string };
}

export interface AssertionOptions {
  readonly claims?: JWTPayload;
  /** Seconds from now to exp; 300 when unset. */
  readonly expiresIn?: number;
  readonly kid?: string;
  readonly key?: KeyObject;
}

export interface CallParts {
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** The access token to send; null sends none; undefined gets (or reuses) one. */
  readonly token?: string | null;
  /** For the token endpoint: send the form as JSON instead. */
  readonly asJson?: boolean;
}

/**
 * The issuer's side of D1: signs ES256 assertions, gets an access token and reuses it until shortly before it
 * expires (as the documents ask), and calls any D1 operation by its contract operationId.
 */
export class D1Client {
  private readonly key: KeyObject;
  private readonly dispatcher: Dispatcher | undefined;
  private cached: { token: string; expiresAt: number } | undefined;
  private ledger: string | undefined;

  constructor(readonly options: D1ClientOptions) {
    this.key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
    if (witnessing) witness('private key', this.key.export({ format: 'jwk' }).d);
    this.dispatcher = options.tls ? new Agent({ connect: { ...options.tls } }) : undefined;
  }

  private send(request: HttpRequest): Promise<HttpResponse> {
    return send(this.dispatcher ? { ...request, dispatcher: this.dispatcher } : request);
  }

  async assertion(options: AssertionOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: this.options.issuerId,
      sub: this.options.issuerId,
      iat: now,
      exp: now + (options.expiresIn ?? 300),
      ...options.claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? this.options.keyId, typ: 'JWT' })
      .sign(options.key ?? this.key);
  }

  async requestToken(assertion?: string, asJson = false): Promise<HttpResponse> {
    const body = { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion ?? (await this.assertion()) };
    const url = `${this.options.authUrl}/oauth2/token`;
    return this.send(asJson ? jsonRequest('POST', url, body) : formRequest(url, body));
  }

  /** A token request with the body and headers given as they are, for the negative checks of the token endpoint. */
  requestTokenWith(body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<HttpResponse> {
    const url = `${this.options.authUrl}/oauth2/token`;
    const fields = Object.fromEntries(
      Object.entries((body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    return this.send(formRequest(url, fields, headers));
  }

  /** A valid access token, fetched once and reused until a minute before it expires. */
  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.token;
    const response = await this.requestToken();
    const body = response.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      throw new Error(`D1 token endpoint answered ${response.status}`);
    }
    const lifetime = Number(body.expires_in ?? 900);
    this.cached = { token: body.access_token, expiresAt: Date.now() + Math.max(lifetime - 60, lifetime / 2) * 1000 };
    return body.access_token;
  }

  /**
   * Appends every consumer and card this client creates to the ledger file from now on (undefined stops it). Each line
   * is written synchronously before the answer is handed back, so a crash or a signal loses no creation; processes
   * sharing the file append whole lines.
   */
  recordCreationsIn(file: string | undefined): void {
    if (file) mkdirSync(path.dirname(file), { recursive: true });
    this.ledger = file;
  }

  forgetToken(): void {
    this.cached = undefined;
  }

  urlOf(operationId: OperationId, path: Readonly<Record<string, string>> = {}, query: CallParts['query'] = {}): string {
    const entry = operations[operationId];
    const base = entry.contract === 'd1-oauth2' ? this.options.authUrl : this.options.bankingUrl;
    const filled = entry.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(path[name] ?? (name === 'issuerId' ? this.options.issuerId : '')),
    );
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return `${base}${filled}${search ? `?${search}` : ''}`;
  }

  async call(operationId: OperationId, parts: CallParts = {}): Promise<HttpResponse> {
    const entry = operations[operationId];
    const token = parts.token === undefined ? await this.token() : parts.token;
    const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...parts.headers };
    const url = this.urlOf(operationId, parts.path, parts.query);
    if (entry.method === 'GET') return this.send({ method: 'GET', url, headers });
    const sent = this.ledger ? sentId(operationId, parts) : undefined;
    if (sent && this.ledger) appendFileSync(this.ledger, `${JSON.stringify(sent)}\n`);
    const response = await this.send(jsonRequest(entry.method, url, parts.body ?? {}, headers));
    const created = this.ledger ? createdBy(operationId, parts, response) : undefined;
    if (created && this.ledger) appendFileSync(this.ledger, `${JSON.stringify(created)}\n`);
    return response;
  }
}
