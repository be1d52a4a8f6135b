import type { Answer, ErrorBody } from '../http/server.js';
import { randomBytes } from 'node:crypto';
import type { Violation } from '../../lib/validation/index.js';
import type { IssuerVariantName } from './variants.js';

/** A contract violation as the issuer reports it: where and what is documented, never the value received. */
export interface ReportedViolation {
  readonly rule: string | null;
  readonly provenance: string;
  readonly part: string;
  readonly pointer: string;
  readonly keyword: string;
  readonly documented: string;
}

/**
 * Every error the reference issuer answers has this JSON shape, that of RFC 6749 section 5.2, so a client reads
 * token and non-token errors alike.
 */
export interface IssuerErrorBody {
  readonly error: string;
  readonly error_description: string;
  readonly violations?: readonly ReportedViolation[];
  /** Problems found outside the contract's own checks, e.g. in a consumer registered through the inspection interface. */
  readonly problems?: readonly string[];
}

// The received value is left out: a notification or a header may carry personal data.
export const reportViolations = (violations: readonly Violation[]): ReportedViolation[] =>
  violations.map(({ ruleId, provenance, part, pointer, keyword, documented }) => ({
    rule: ruleId ?? null,
    provenance,
    part,
    pointer,
    keyword,
    documented,
  }));

export function errorAnswer(
  status: number,
  error: string,
  description: string,
  extra: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly violations?: readonly Violation[];
    readonly problems?: readonly string[];
  } = {},
): Answer {
  const body: IssuerErrorBody = {
    error,
    error_description: description,
    ...(extra.violations ? { violations: reportViolations(extra.violations) } : {}),
    ...(extra.problems ? { problems: extra.problems } : {}),
  };
  return { status, ...(extra.headers ? { headers: extra.headers } : {}), body };
}

/**
 * How the server words the errors it answers before the issuer's handler runs (body over 1 MiB, unreadable request).
 * A 400 says invalid_request, so that even the token endpoint's 400 stays one of the codes RFC 6749 allows.
 */
export const issuerErrorBody: ErrorBody = (status, code, message): IssuerErrorBody => ({
  error: status === 400 ? 'invalid_request' : code.toLowerCase(),
  error_description: message,
});

export const jsonAnswer = (status: number, body: unknown, headers?: Readonly<Record<string, string>>): Answer => ({
  status,
  ...(headers ? { headers } : {}),
  body,
});

/** How the issuer shapes the JSON answers of its notification and consumer information endpoints. */
export interface AnswerSettings {
  /** Every JSON object answered carries a field the contracts do not describe (unknown-fields). */
  readonly unknownFields: boolean;
}

export const answerSettings = (variants: ReadonlySet<IssuerVariantName>): AnswerSettings => ({
  unknownFields: variants.has('unknown-fields'),
});

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The answer as the settings shape it: with unknown-fields, a trace id no contract describes beside the documented fields. */
export function shapedAnswer(answer: Answer, settings: AnswerSettings): Answer {
  if (!settings.unknownFields || !isJsonObject(answer.body)) return answer;
  return { ...answer, body: { ...answer.body, traceId: randomBytes(8).toString('hex') } };
}
