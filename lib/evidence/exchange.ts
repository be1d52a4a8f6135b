import type { HttpExchange } from '../http/client.js';
import { REDACTED, isSensitiveKey, redactText, redactValue } from '../redaction.js';

/**
 * An HTTP exchange as evidence: what was asked and answered, with every secret and every piece of personal data
 * already replaced, so that it can be written to a report, a log or an attachment as it is.
 */
export interface ExchangeRecord {
  readonly startedAt: string;
  readonly durationMs: number | undefined;
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody: string | undefined;
  readonly status: number | undefined;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: string | undefined;
  /** Why no answer came (refused connection, timeout). */
  readonly error: string | undefined;
  /** The transport faults met before this answer (or before giving up), each waited out or tried again. */
  readonly faults?: readonly string[];
}

// A body beyond this is cut: evidence is read by people, and property runs send thousands of exchanges.
const MAX_BODY = 16 * 1024;

function redactHeaders(headers: Readonly<Record<string, string>> | undefined, secrets: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name.toLowerCase(),
      isSensitiveKey(name) ? maskCredentials(value) : (redactValue(value, secrets) as string),
    ]),
  );
}

// The scheme of a credential says how a party authenticated, which a reader needs; the credential itself never shows.
const maskCredentials = (value: string): string => {
  const scheme = /^(Bearer|Basic)\s/i.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
};

/** A body redacted by key when it is JSON or a form, by value otherwise. */
export function redactBody(
  body: string | Buffer | undefined,
  contentType: string | undefined,
  secrets: readonly string[] = [],
): string | undefined {
  if (body === undefined) return undefined;
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return '';
  let redacted: string;
  if (/json/i.test(contentType ?? '') || /^\s*[[{]/.test(text)) {
    try {
      redacted = JSON.stringify(redactValue(JSON.parse(text) as unknown, secrets), null, 2);
    } catch {
      redacted = redactValue(text, secrets) as string;
    }
  } else if (/x-www-form-urlencoded/i.test(contentType ?? '')) {
    const fields = [...new URLSearchParams(text)].map(
      ([key, value]) => `${key}=${isSensitiveKey(key) ? REDACTED : (redactValue(value, secrets) as string)}`,
    );
    redacted = fields.join('&');
  } else {
    redacted = redactValue(text, secrets) as string;
  }
  return redacted.length > MAX_BODY ? `${redacted.slice(0, MAX_BODY)}\n… (${redacted.length - MAX_BODY} more characters)` : redacted;
}

const contentTypeOf = (headers: Readonly<Record<string, string>> | undefined): string | undefined =>
  Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];

/** The redacted record of an exchange; `secrets` are further literal values to remove (configured credentials). */
export function recordOfExchange(exchange: HttpExchange, secrets: readonly string[] = []): ExchangeRecord {
  const { request, response } = exchange;
  return {
    startedAt: exchange.startedAt.toISOString(),
    durationMs: response ? Math.round(response.durationMs) : undefined,
    method: request.method.toUpperCase(),
    url: redactValue(request.url, secrets) as string,
    requestHeaders: redactHeaders(request.headers, secrets),
    requestBody: redactBody(request.body, contentTypeOf(request.headers), secrets),
    status: response?.status,
    responseHeaders: redactHeaders(response?.headers, secrets),
    responseBody: response ? redactBody(response.text, contentTypeOf(response.headers), secrets) : undefined,
    error: exchange.error === undefined ? undefined : redactText(exchange.error),
    ...(exchange.faults && exchange.faults.length > 0 ? { faults: exchange.faults } : {}),
  };
}

/** The URL's path and query, which is what a reader of a report needs; the host is in the run's environment. */
export const pathOf = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
};

/** A one-line title: `POST /banking/.../enrol → 200`. */
export const exchangeTitle = (record: ExchangeRecord): string =>
  `${record.method} ${pathOf(record.url)} → ${record.status ?? record.error ?? 'no answer'}`;

/** The record as a person reads HTTP: request line, headers and body, then the answer. */
export function exchangeText(record: ExchangeRecord): string {
  const headerLines = (headers: Readonly<Record<string, string>>): string[] =>
    Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  const lines = [
    `${record.method} ${record.url}`,
    ...headerLines(record.requestHeaders),
    '',
    record.requestBody ?? '',
    '',
    record.status === undefined
      ? `(no answer: ${record.error ?? 'unknown'})`
      : `HTTP ${record.status}${record.durationMs === undefined ? '' : ` (${record.durationMs} ms)`}`,
    ...headerLines(record.responseHeaders),
    '',
    record.responseBody ?? '',
  ];
  // The faults are the network's, not the answer's: said after it, so the exchange reads as HTTP first.
  if (record.faults) lines.push('', `(transport faults before this: ${record.faults.join('; ')})`);
  return `${lines.join('\n').trimEnd()}\n`;
}
