import { notFound, operationModel } from '../answers.js';
import type { D1Call, EndpointTable } from '../d1-context.js';
import type { Answer } from '../../http/server.js';
import type { OperationTarget } from '../state.js';

function getOperation({ state, params }: D1Call, target: OperationTarget): Answer {
  const record = state.operationsOf(target).find((r) => r.operationId === params.operationId);
  if (!record) return notFound('no such operation');
  return { status: 200, body: operationModel(record) };
}

/** A page of the target's operations, newest first. */
function listOperations({ state, query }: D1Call, target: OperationTarget): Answer {
  const offset = Number(query.offset ?? 0);
  const limit = query.limit === undefined ? undefined : Number(query.limit);
  const newestFirst = [...state.operationsOf(target)].reverse();
  const page = newestFirst.slice(offset, limit === undefined ? undefined : offset + limit);
  return { status: 200, body: { operations: page.map(operationModel) } };
}

const cardOf = (call: D1Call): OperationTarget => ({ kind: 'card', cardId: call.params.cardId ?? '' });
const consumerOf = (call: D1Call): OperationTarget => ({ kind: 'consumer', consumerId: call.params.consumerId ?? '' });

/** Get Card/Consumer Operation(s): the operations D1 keeps for a card or a consumer. */
export const operationGetterEndpoints: EndpointTable = {
  getCardOperation: (_context, call) => getOperation(call, cardOf(call)),
  getCardOperations: (_context, call) => listOperations(call, cardOf(call)),
  getConsumerOperation: (_context, call) => getOperation(call, consumerOf(call)),
  getConsumerOperations: (_context, call) => listOperations(call, consumerOf(call)),
};
