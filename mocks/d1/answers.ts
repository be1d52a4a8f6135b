import type { Violation } from '../../lib/validation/index.js';
import type { Answer } from '../http/server.js';
import type { FinalStatus } from './options.js';
import type { OperationRecord } from './state.js';

export type Json = Record<string, unknown>;

/** D1's error convention: an errorCode and the error text (the field in error, for a 400). */
export const d1Error = (errorCode: string, error: string): Json => ({ errorCode, error });

export const unauthorized: Answer = { status: 401, body: d1Error('AUTHORIZER_UNAUTHORIZED', 'Unauthorized message') };

export const notFound = (what: string): Answer => ({ status: 404, body: d1Error('NOT_FOUND', what) });

/** A 400 naming the field in error: FIELD_INVALID_VALUE for a value outside a list, FIELD_INVALID_FORMAT otherwise. */
export const fieldRefused = (errorCode: 'FIELD_INVALID_FORMAT' | 'FIELD_INVALID_VALUE', field: string): Answer => ({
  status: 400,
  body: d1Error(errorCode, field),
});

/** Where in a request a violation sits, as D1 names the field in error. */
export const fieldName = (violation: Violation): string =>
  violation.pointer
    .split('/')
    .filter((s) => s !== '' && !/^\d+$/.test(s))
    .pop() ?? violation.part;

/** The 400 D1 answers to the first contract violation of a request. */
export const violationAnswer = (violation: Violation): Answer =>
  fieldRefused(violation.keyword === 'enum' ? 'FIELD_INVALID_VALUE' : 'FIELD_INVALID_FORMAT', fieldName(violation));

/** An outcome of an asynchronous operation's work. */
export interface Outcome {
  readonly status: FinalStatus;
  readonly errorCode?: string;
  readonly error?: string;
}

export const SUCCESS: Outcome = { status: 'SUCCESSFUL' };
export const failed = (errorCode: string, error: string): Outcome => ({ status: 'FAILED', errorCode, error });

/** The operation model the getters answer. */
export function operationModel(record: OperationRecord): Json {
  return {
    operationId: record.operationId,
    operation: record.operation,
    status: record.status,
    startTime: record.startTime,
    ...(record.endTime ? { endTime: record.endTime } : {}),
    requestorType: record.requestorType,
    requestorId: record.requestorId,
    // A FAILED operation says why, as its notification does.
    ...(record.status === 'FAILED'
      ? { errorCode: record.errorCode ?? 'OPERATION_FAILED', error: record.error ?? 'the operation failed' }
      : {}),
  };
}
