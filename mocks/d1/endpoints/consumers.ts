import type { Answer } from '../../http/server.js';
import { failed, fieldRefused, SUCCESS, type Json, type Outcome } from '../answers.js';
import type { D1Context, EndpointTable } from '../d1-context.js';
import type { IssuerState } from '../state.js';
import { removeFromDirectory } from './click-to-pay.js';

/**
 * The consumer data a register or update body carries, under the member the documents name (consumerInfo) or its
 * compatibility alias (personalInformation): the contract leaves the member name open and accepts both.
 */
function consumerInfoOf(body: Json): Json | undefined {
  for (const member of ['consumerInfo', 'personalInformation']) {
    const data = body[member];
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) return data as Json;
  }
  return undefined;
}

/**
 * A consumer field in its documented format whose value cannot be (CONSUMER-REGISTER-DATEOFBIRTH-VALUE): a date of birth
 * that is no calendar day, or one in the future.
 */
function valueNotAllowed(body: Json): Answer | undefined {
  const dateOfBirth = consumerInfoOf(body)?.dateOfBirth;
  if (typeof dateOfBirth !== 'string') return undefined;
  const day = new Date(`${dateOfBirth}T00:00:00Z`);
  const isCalendarDay = !Number.isNaN(day.getTime()) && day.toISOString().startsWith(dateOfBirth);
  return isCalendarDay && day.getTime() <= Date.now() ? undefined : fieldRefused('FIELD_INVALID_VALUE', 'dateOfBirth');
}

function registerConsumer(context: D1Context, state: IssuerState, consumerId: string, body: Json): Answer {
  const existing = state.consumers.get(consumerId);
  const record = context.operations.start(state, { kind: 'consumer', consumerId }, 'REGISTER');
  const outcome = (): Outcome => {
    if (existing?.deleted) return failed('CONSUMER_DELETED', 'a deleted consumer cannot be registered again');
    state.consumer(consumerId).consumerInfo = consumerInfoOf(body) ?? existing?.consumerInfo;
    return SUCCESS;
  };
  // The registration's result is known at once; whether D1 answers it at once or PENDING first is a behaviour choice.
  if (context.settings.behaviour.immediateResults) context.operations.finish(state, record, outcome());
  else context.operations.complete(state, record, outcome);
  return context.operations.accepted(record);
}

function updateConsumer(state: IssuerState, consumerId: string, body: Json): Outcome {
  const consumer = state.consumers.get(consumerId);
  if (!consumer || consumer.deleted) return failed('CONSUMER_NOT_FOUND', 'no such consumer');
  consumer.consumerInfo = consumerInfoOf(body) ?? consumer.consumerInfo;
  return SUCCESS;
}

/** Deleting a consumer deletes its cards, which leave Click to Pay with it. */
function deleteConsumer(context: D1Context, state: IssuerState, consumerId: string): Outcome {
  const consumer = state.consumers.get(consumerId);
  if (!consumer || consumer.deleted) return failed('CONSUMER_NOT_FOUND', 'no such consumer');
  consumer.deleted = true;
  consumer.consumerInfo = undefined;
  for (const card of state.cards.values()) {
    if (card.consumerId === consumerId && card.state !== 'DELETED') {
      card.state = 'DELETED';
      removeFromDirectory(context, state, card.cardId);
    }
  }
  state.profiles.delete(consumerId);
  return SUCCESS;
}

function cardList(state: IssuerState, consumerId: string): Answer {
  const cards = [...state.cards.values()]
    .filter((c) => c.consumerId === consumerId && c.state !== 'DELETED')
    .map((c) => ({ cardId: c.cardId, ...(c.cardProductId ? { cardProductId: c.cardProductId } : {}) }));
  return { status: 200, body: { cards } };
}

/** The Consumer API: register, update, delete a consumer, and list its cards. */
export const consumerEndpoints: EndpointTable = {
  registerConsumer: (context, { state, params, body }) =>
    valueNotAllowed(body) ?? registerConsumer(context, state, params.consumerId ?? '', body),
  updateConsumer: (context, { state, params, body }) => {
    const consumerId = params.consumerId ?? '';
    return (
      valueNotAllowed(body) ??
      context.operations.run(state, { kind: 'consumer', consumerId }, 'UPDATE', () => updateConsumer(state, consumerId, body))
    );
  },
  deleteConsumer: (context, { state, params }) => {
    const consumerId = params.consumerId ?? '';
    return context.operations.run(state, { kind: 'consumer', consumerId }, 'DELETE', () => deleteConsumer(context, state, consumerId));
  },
  getCardList: (_context, { state, params }) => cardList(state, params.consumerId ?? ''),
};
