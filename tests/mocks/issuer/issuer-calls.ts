/** How the tests call the reference issuer, the way D1 would, through the product's one HTTP client. */
import { randomUUID } from 'node:crypto';
import { expect } from '@playwright/test';
import { operations, type OperationId } from '../../../gen/operations.js';
import { basicAuthorization, formRequest, jsonRequest, send, type HttpResponse } from '../../../lib/http/client.js';
import { formatViolations, validateResponse, type Violation } from '../../../lib/validation/index.js';
import type { NotificationKind, RunningReferenceIssuer } from '../../../mocks/issuer/index.js';

export const tokenUrl = (issuer: RunningReferenceIssuer): string => `${issuer.authUrl}/oauth2/token`;

export const notificationUrl = (issuer: RunningReferenceIssuer, kind: NotificationKind, issuerId = issuer.issuerId): string =>
  `${issuer.url}/notifications/d1/v2/issuers/${issuerId}/${kind === 'card' ? 'cards' : 'consumers'}`;

export const consumerInfoUrl = (issuer: RunningReferenceIssuer, consumerId: string, issuerId = issuer.issuerId): string =>
  `${issuer.url}/banking/d1/v1/issuers/${issuerId}/consumers/${encodeURIComponent(consumerId)}`;

export const inspectionUrl = (issuer: RunningReferenceIssuer, path: string): string => `${issuer.url}/__mock/${path}`;

export const NOTIFICATION_OPERATION = { card: 'notifyCardOperations', consumer: 'notifyConsumerOperations' } as const;

/** A token request as D1 sends it: Basic client credentials, a form body. */
export function requestToken(
  issuer: RunningReferenceIssuer,
  fields: Readonly<Record<string, string>> = { grant_type: 'client_credentials' },
  clientSecret = issuer.clientSecret,
): Promise<HttpResponse> {
  return send(formRequest(tokenUrl(issuer), fields, { authorization: basicAuthorization(issuer.clientId, clientSecret) }));
}

/** A fresh access token, checked to be one. */
export async function accessToken(issuer: RunningReferenceIssuer): Promise<string> {
  const response = await requestToken(issuer);
  expect(response.status, response.text).toBe(200);
  const token = (response.json as { access_token?: unknown }).access_token;
  expect(typeof token).toBe('string');
  return token as string;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export const uniqueOperationId = (): string => `op_${randomUUID()}`;

export function cardItem(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    operationId: uniqueOperationId(),
    operation: 'CLICK_TO_PAY_ENROLMENT',
    status: 'PENDING',
    startTime: '2025-01-17T06:28:02.492Z',
    cardId: 'crd_h2otddwm5uwujlye3qyxmjkpha',
    ...overrides,
  };
}

export function consumerItem(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    operationId: uniqueOperationId(),
    operation: 'CLICK_TO_PAY_OPTOUT',
    status: 'PENDING',
    startTime: '2025-01-17T06:28:02.492Z',
    consumerId: 'cns_7f3k2m9q1x',
    ...overrides,
  };
}

export const itemOf = (kind: NotificationKind, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> =>
  kind === 'card' ? cardItem(overrides) : consumerItem(overrides);

/** Posts a notification body; the token is sent as a bearer when given. */
export function notify(issuer: RunningReferenceIssuer, kind: NotificationKind, body: unknown, token?: string): Promise<HttpResponse> {
  return send(jsonRequest('POST', notificationUrl(issuer, kind), body, token === undefined ? {} : bearer(token)));
}

export function getConsumerInfo(
  issuer: RunningReferenceIssuer,
  consumerId: string,
  token?: string,
  extra: { readonly query?: string; readonly headers?: Readonly<Record<string, string>> } = {},
): Promise<HttpResponse> {
  const url = `${consumerInfoUrl(issuer, consumerId)}${extra.query === undefined ? '' : `?${extra.query}`}`;
  return send({ method: 'GET', url, headers: { ...(token === undefined ? {} : bearer(token)), ...(extra.headers ?? {}) } });
}

/**
 * The answer checked against its operation's contract. Where the contract declares an error status without a body
 * (the notifications' 400 and 401, consumer information's 4xx), the JSON body explaining the error is an addition
 * the contract does not describe, so only the status is checked there.
 */
export function contractViolations(operationId: OperationId, response: HttpResponse): Violation[] {
  const declared = operations[operationId].validators.responses[String(response.status)];
  const bodyUndescribedError = response.status >= 400 && declared !== undefined && Object.keys(declared).length === 0;
  const body = response.json ?? (response.text === '' ? undefined : response.text);
  return validateResponse(operationId, {
    status: response.status,
    headers: response.headers,
    body: bodyUndescribedError ? undefined : body,
  });
}

export function expectContractValid(operationId: OperationId, response: HttpResponse): void {
  expect(formatViolations(contractViolations(operationId, response))).toBe('no violations');
}

/** The catalogue ids of the rules an answer breaks, sorted; '' when it keeps its contract. */
export const brokenRules = (operationId: OperationId, response: HttpResponse): string =>
  contractViolations(operationId, response)
    .map((violation) => violation.ruleId ?? `(${violation.keyword})`)
    .sort()
    .join(',');

/** Every answer of the reference issuer outside a 2xx success has a JSON error body naming the error. */
export function expectJsonError(response: HttpResponse, status: number, error?: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json as { error?: unknown; error_description?: unknown } | undefined;
  expect(typeof body?.error).toBe('string');
  expect(typeof body?.error_description).toBe('string');
  if (error !== undefined) expect(body?.error).toBe(error);
}

export interface ReportedViolationShape {
  readonly rule: string | null;
  readonly pointer: string;
}

export const reportedRules = (response: HttpResponse): (string | null)[] =>
  ((response.json as { violations?: ReportedViolationShape[] } | undefined)?.violations ?? []).map((violation) => violation.rule);
