import type { Answer } from '../../http/server.js';
import { failed, fieldRefused, SUCCESS, type Json, type Outcome } from '../answers.js';
import type { D1Context, EndpointTable } from '../d1-context.js';
import type { IssuerState } from '../state.js';
import { removeFromDirectory } from './click-to-pay.js';

/**
 * A consumer field in its documented format whose value cannot be (CONSUMER-REGISTER-DATEOFBIRTH-VALUE): a date of birth
 * that is no calendar day, or one in the future.
 */
function valueNotAllowed(body: Json): Answer | undefined {
  const dateOfBirth = (body.personalInformation as Json | undefined)?.dateOfBirth;
  if (typeof dateOfBirth !== 'string') return undefined;
  const day = new Date(`${dateOfBirth}T00:00:00Z`);
  const isCalendarDay = !Number.isNaN(day.getTime()) && day.toISOString().startsWith(dateOfBirth);
  return isCalendarDay && day.getTime() <= Date.now() ? undefined : fieldRefused('FIELD_INVALID_VALUE', 'dateOfBirth');
}

function registerConsumer(context: D1Context, state: IssuerState, consumerId: string, body: Json): Answer {
  const existing = state.consumers.get(consumerId);
  const record = context.operations.start(state, { kind: 'consumer', consumerId }, 'REGISTER');
  if (existing?.deleted) {
    context.operations.finish(state, record, failed('CONSUMER_DELETED', 'a deleted consumer cannot be registered again'));
  } else {
    state.consumer(consumerId).personalInformation = (body.personalInformation as Json | undefined) ?? existing?.personalInformation;
    context.operations.finish(state, record, SUCCESS);
  }
  return context.operations.accepted(record);
}

function updateConsumer(state: IssuerState, consumerId: string, body: Json): Outcome {
  const consumer = state.consumers.get(consumerId);
  if (!consumer || consumer.deleted) return failed('CONSUMER_NOT_FOUND', 'no such consumer');
  consumer.personalInformation = (body.personalInformation as Json | undefined) ?? consumer.personalInformation;
  return SUCCESS;
}

/** Deleting a consumer deletes its cards, which leave Click to Pay with it. */
function deleteConsumer(context: D1Context, state: IssuerState, consumerId: string): Outcome {
  const consumer = state.consumers.get(consumerId);
  if (!consumer || consumer.deleted) return failed('CONSUMER_NOT_FOUND', 'no such consumer');
  consumer.deleted = true;
  consumer.personalInformation = undefined;
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
  registerConsumer: (context, { state, params, body }) => valueNotAllowed(body) ?? registerConsumer(context, state, params.consumerId ?? '', body),
  updateConsumer: (context, { state, params, body }) => {
    const consumerId = params.consumerId ?? '';
    return valueNotAllowed(body) ?? context.operations.run(state, { kind: 'consumer', consumerId }, 'UPDATE', () => updateConsumer(state, consumerId, body));
  },
  deleteConsumer: (context, { state, params }) => {
    const consumerId = params.consumerId ?? '';
    return context.operations.run(state, { kind: 'consumer', consumerId }, 'DELETE', () => deleteConsumer(context, state, consumerId));
  },
  getCardList: (_context, { state, params }) => cardList(state, params.consumerId ?? ''),
};
