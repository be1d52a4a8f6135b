import { d1Error, failed, SUCCESS, type Outcome } from '../answers.js';
import { askConsumerInformation, type D1Context, type EndpointTable } from '../d1-context.js';
import type { Answer } from '../../http/server.js';
import { newOperationId, type IssuerState } from '../state.js';

/**
 * Removes a card from the Click to Pay directory; the consumer's profile goes with its last card. Deleting a card or
 * a consumer opts it out too (CARD-DELETE-OPTS-OUT).
 */
export function removeFromDirectory(context: D1Context, state: IssuerState, cardId: string, byCardOptOut = false): boolean {
  const holder = state.profileHolding(cardId);
  if (!holder) return false;
  holder.profile.cards.delete(cardId);
  if (holder.profile.cards.size === 0 && !(byCardOptOut && context.faults.has('last-card-optout-keeps-profile'))) {
    const list = state.profilesOf(holder.consumerId);
    list.splice(list.indexOf(holder.profile), 1);
  }
  state.optedOutCards.add(cardId);
  return true;
}

/** Starts a Click to Pay enrolment of the card; also what auto-enrolment calls for each new card. */
export function enrol(context: D1Context, state: IssuerState, cardId: string): Answer {
  const operationId = context.faults.has('enrol-operation-id-bad-pattern') ? `op.${newOperationId().slice(3)}` : newOperationId();
  const record = context.operations.start(state, { kind: 'card', cardId }, 'CLICK_TO_PAY_ENROLMENT', operationId);
  if (!context.faults.has('enrol-stays-pending')) context.operations.complete(state, record, () => enrolWork(context, state, cardId));
  return context.operations.accepted(record);
}

async function enrolWork(context: D1Context, state: IssuerState, cardId: string): Promise<Outcome> {
  const card = state.liveCard(cardId);
  if (!card?.scheme) return failed('CARD_NOT_FOUND', 'no such card');
  if (state.profileHolding(cardId)) {
    return context.settings.behaviour.repeatedEnrol === 'SUCCESSFUL'
      ? SUCCESS
      : failed('CARD_ALREADY_ENROLLED', 'the card is already enrolled');
  }
  if (context.faults.has('reenrol-after-optout-fails') && state.optedOutCards.has(cardId))
    return failed('CARD_OPTED_OUT', 'the card was opted out');
  const consumer = state.consumer(card.consumerId);
  if (consumer.deleted) return failed('CONSUMER_DELETED', 'the consumer was deleted');
  if (!consumer.consumerInfo) {
    const found = await askConsumerInformation(context, state.issuerId, card.consumerId, cardId);
    if (!found) return failed('CONSUMER_INFORMATION_UNAVAILABLE', 'the issuer did not provide the consumer information');
  }
  const profiles = state.profilesOf(card.consumerId);
  let profile = context.faults.has('duplicate-scheme-profile') ? undefined : profiles.find((p) => p.scheme === card.scheme);
  if (!profile) {
    profile = { scheme: card.scheme, cards: new Set() };
    profiles.push(profile);
  }
  state.everEnrolled.add(card.consumerId);
  // The scheme enrolled the consumer but refused the card: the profile stays, without this card.
  if (card.refusesCardEnrolment) return failed('CARD_ENROLMENT_REFUSED', 'the scheme refused the card');
  profile.cards.add(cardId);
  return SUCCESS;
}

function profiles(context: D1Context, state: IssuerState, consumerId: string): Answer {
  const list = state.profiles.get(consumerId) ?? [];
  if (list.length === 0 && context.faults.has('profiles-never-enrolled-404') && !state.everEnrolled.has(consumerId)) {
    return { status: 404, body: d1Error('NOT_FOUND', 'no profile') };
  }
  return {
    status: 200,
    body: { clickToPayProfiles: list.map((p) => ({ scheme: p.scheme, cards: [...p.cards].map((id) => ({ cardId: id })) })) },
  };
}

function optOutCard(context: D1Context, state: IssuerState, cardId: string): Answer {
  return context.operations.run(state, { kind: 'card', cardId }, 'CLICK_TO_PAY_OPTOUT', () => {
    if (removeFromDirectory(context, state, cardId, true)) return SUCCESS;
    return context.settings.behaviour.repeatedCardOptout === 'SUCCESSFUL'
      ? SUCCESS
      : failed('CARD_NOT_ENROLLED', 'the card is not enrolled');
  });
}

function optOutConsumer(context: D1Context, state: IssuerState, consumerId: string): Answer {
  const { faults, operations } = context;
  const profileList = state.profilesOf(consumerId);
  const wasEnrolled = state.everEnrolled.has(consumerId);
  if (profileList.length === 0) {
    if (wasEnrolled && faults.has('consumer-optout-repeat-409'))
      return { status: 409, body: d1Error('CONFLICT', 'the consumer is already opted out') };
    // Nothing to remove: the documents answer SUCCESSFUL, for a repeat and for a consumer never enrolled; at once,
    // or PENDING first when the behaviour asks for it (the documents allow either answer).
    const record = operations.start(state, { kind: 'consumer', consumerId }, 'CLICK_TO_PAY_OPTOUT');
    if (!wasEnrolled && faults.has('consumer-optout-never-enrolled-fails')) {
      operations.complete(state, record, () => failed('CONSUMER_NOT_ENROLLED', 'never enrolled'));
    } else if (context.settings.behaviour.immediateResults) {
      operations.finish(state, record, SUCCESS);
    } else {
      operations.complete(state, record, () => SUCCESS);
    }
    return operations.accepted(record);
  }
  return operations.run(state, { kind: 'consumer', consumerId }, 'CLICK_TO_PAY_OPTOUT', () => {
    const keepOne = faults.has('consumer-optout-keeps-cards');
    for (const profile of [...profileList]) {
      for (const cardId of [...profile.cards]) {
        if (keepOne && profile === profileList[0] && profile.cards.size === 1) break;
        profile.cards.delete(cardId);
        state.optedOutCards.add(cardId);
      }
    }
    const remaining = profileList.filter((p) => p.cards.size > 0);
    profileList.splice(0, profileList.length, ...(keepOne ? remaining : []));
    return SUCCESS;
  });
}

/** The Click to Pay API: enrol, profiles, updates and opt-outs. */
export const clickToPayEndpoints: EndpointTable = {
  clickToPayEnrol: (context, { state, params }) => enrol(context, state, params.cardId ?? ''),
  clickToPayGetConsumerProfiles: (context, { state, params }) => profiles(context, state, params.consumerId ?? ''),
  clickToPayUpdateCard: (context, { state, params }) => {
    const cardId = params.cardId ?? '';
    return context.operations.run(state, { kind: 'card', cardId }, 'CLICK_TO_PAY_UPDATE', () =>
      state.profileHolding(cardId) ? SUCCESS : failed('CARD_NOT_ENROLLED', 'the card is not enrolled in Click to Pay'),
    );
  },
  clickToPayUpdateConsumer: (context, { state, params }) => {
    const consumerId = params.consumerId ?? '';
    return context.operations.run(state, { kind: 'consumer', consumerId }, 'CLICK_TO_PAY_UPDATE', () =>
      state.profilesOf(consumerId).length > 0 ? SUCCESS : failed('CONSUMER_NOT_ENROLLED', 'the consumer is not enrolled in Click to Pay'),
    );
  },
  clickToPayOptoutCard: (context, { state, params }) => optOutCard(context, state, params.cardId ?? ''),
  clickToPayOptoutConsumer: (context, { state, params }) => optOutConsumer(context, state, params.consumerId ?? ''),
};
