import type { components } from '../../../gen/types/d1-card.js';
import { failed, SUCCESS, type Json, type Outcome } from '../answers.js';
import { panFingerprint } from '../card-data-key.js';
import type { D1Context, EndpointTable } from '../d1-context.js';
import type { IssuerState } from '../state.js';
import { removeFromDirectory } from './click-to-pay.js';

type SuspendReason = components['schemas']['SuspendCardRequest']['reasonCode'];
type ResumeReason = components['schemas']['ResumeCardRequest']['reasonCode'];

/**
 * The resume reasons each suspension reason takes (CARD-RESUME-MATCHING-REASON); none for the reasons after which a
 * card stays suspended until it is replaced (CARD-SUSPEND-UNTIL-REPLACED). Typed by the contract's two enums, so a
 * reason added to or dropped from either fails the build here.
 */
const RESUME_REASONS: Readonly<Record<SuspendReason, readonly ResumeReason[]>> = {
  CARD_LOST: ['CARD_FOUND'],
  USER_DECISION: ['USER_DECISION'],
  ISSUER_DECISION: ['ISSUER_DECISION'],
  CARD_STOLEN: [],
  CARD_BROKEN: [],
  FRAUD: [],
};

const isSuspendReason = (reason: string): reason is SuspendReason => Object.hasOwn(RESUME_REASONS, reason);

async function replace(context: D1Context, state: IssuerState, cardId: string, body: Json): Promise<Outcome> {
  const card = state.liveCard(cardId);
  if (!card) return failed('CARD_NOT_FOUND', 'no such card');
  const newId = typeof body.newCardId === 'string' ? body.newCardId : undefined;
  if (!newId || newId === cardId) return SUCCESS;
  if (state.cards.has(newId)) return failed('CARD_ALREADY_EXISTS', 'the new cardId is in use');
  const data = typeof body.encryptedData === 'string' ? await context.cardDataKey.decrypt(body.encryptedData) : undefined;
  const panFingerprintOfNew = data ? panFingerprint(data.pan) : card.panFingerprint;
  state.cards.set(newId, { ...card, cardId: newId, panFingerprint: panFingerprintOfNew, state: 'ACTIVE', suspendReason: undefined });
  card.state = 'DELETED';
  // The replaced card's number cannot be registered again, as after a delete.
  if (card.panFingerprint && card.panFingerprint !== panFingerprintOfNew) state.deletedPans.add(card.panFingerprint);
  // D1 relinks the Click to Pay enrolment to the replacement card.
  const holder = state.profileHolding(cardId);
  if (holder) {
    holder.profile.cards.delete(cardId);
    holder.profile.cards.add(newId);
  }
  return SUCCESS;
}

function suspend(state: IssuerState, cardId: string, reasonCode: string | undefined): Outcome {
  const card = state.liveCard(cardId);
  if (!card) return failed('CARD_NOT_FOUND', 'no such card');
  card.state = 'SUSPENDED';
  card.suspendReason = reasonCode;
  return SUCCESS;
}

function resume(state: IssuerState, cardId: string, reasonCode: string | undefined): Outcome {
  const card = state.liveCard(cardId);
  if (!card) return failed('CARD_NOT_FOUND', 'no such card');
  if (state.consumers.get(card.consumerId)?.deleted) return failed('CONSUMER_DELETED', 'the consumer was deleted');
  if (card.state === 'SUSPENDED' && card.suspendReason !== undefined) {
    const allowed: readonly string[] = isSuspendReason(card.suspendReason) ? RESUME_REASONS[card.suspendReason] : [];
    if (allowed.length === 0)
      return failed('CARD_SUSPENDED_UNTIL_REPLACED', `a card suspended as ${card.suspendReason} stays suspended until it is replaced`);
    // A resume that gives no reason (the recording mock lets the inferred reasonCode go) has none to mismatch.
    if (reasonCode !== undefined && !allowed.includes(reasonCode))
      return failed('RESUME_REASON_MISMATCH', `a card suspended as ${card.suspendReason} is resumed with ${allowed.join(' or ')}`);
  }
  card.state = 'ACTIVE';
  card.suspendReason = undefined;
  return SUCCESS;
}

function deleteCard(context: D1Context, state: IssuerState, cardId: string): Outcome {
  const card = state.liveCard(cardId);
  if (!card) return failed('CARD_NOT_FOUND', 'no such card');
  card.state = 'DELETED';
  if (card.panFingerprint) state.deletedPans.add(card.panFingerprint);
  if (!context.faults.has('delete-card-keeps-enrolment')) removeFromDirectory(context, state, cardId);
  return SUCCESS;
}

/** The reasonCode sent, or undefined when none was (only the recording mock lets a call without one through). */
const reasonOf = (body: Json): string | undefined => (typeof body.reasonCode === 'string' ? body.reasonCode : undefined);

/** The life-cycle operations of a card D1 holds: renew, replace, delete, suspend, resume. */
export const cardOperationEndpoints: EndpointTable = {
  renewCard: (context, { state, params }) => {
    const cardId = params.cardId ?? '';
    return context.operations.run(state, { kind: 'card', cardId }, 'RENEW', () =>
      state.liveCard(cardId) ? SUCCESS : failed('CARD_NOT_FOUND', 'no such card'),
    );
  },
  replaceCard: (context, { state, params, body }) => {
    const cardId = params.cardId ?? '';
    return context.operations.run(state, { kind: 'card', cardId }, 'REPLACE', () => replace(context, state, cardId, body));
  },
  deleteCard: (context, { state, params }) => {
    const cardId = params.cardId ?? '';
    return context.operations.run(state, { kind: 'card', cardId }, 'DELETE', () => deleteCard(context, state, cardId));
  },
  suspendCard: (context, { state, params, body }) => {
    const cardId = params.cardId ?? '';
    return context.operations.run(state, { kind: 'card', cardId }, 'SUSPEND', () => suspend(state, cardId, reasonOf(body)));
  },
  resumeCard: (context, { state, params, body }) => {
    const cardId = params.cardId ?? '';
    return context.operations.run(state, { kind: 'card', cardId }, 'RESUME', () => resume(state, cardId, reasonOf(body)));
  },
};
