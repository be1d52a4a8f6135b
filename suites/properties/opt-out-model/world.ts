/**
 * The real side of the model test: one consumer of D1 with its cards, created for each run, and the calls the
 * commands make, each taken to its final state through the operation getter.
 */
import type { RuleId } from '../../../gen/catalogue.js';
import type { OperationId } from '../../../gen/operations.js';
import type { D1Party, Profile, ResolvedTargets } from '../../../fixtures/index.js';
import { holds, RuleViolation, valueIsOneOf } from '../../../lib/checks/index.js';
import type { OptOutModel } from './model.js';

type Json = Record<string, unknown>;

export interface WorldCard {
  readonly cardId: string;
  readonly label: string;
  readonly group: string;
}

export interface OptOutWorld {
  readonly d1: D1Party;
  readonly consumerId: string;
  readonly cards: readonly WorldCard[];
  /** The scheme D1 showed for each group, learned the first time a group's card appears in a profile. */
  readonly schemeOfGroup: Map<string, string>;
}

/** A fresh consumer with two cards of the main product and, when the targets have one, one of the other scheme. */
export async function createWorld(d1: D1Party, targets: ResolvedTargets): Promise<OptOutWorld> {
  const consumerId = await d1.registerConsumer();
  const plan: { label: string; group: string; product: string }[] = [
    { label: 'A1', group: 'A', product: targets.d1.cardProductId },
    { label: 'A2', group: 'A', product: targets.d1.cardProductId },
    ...(targets.d1.secondCardProductId ? [{ label: 'B1', group: 'B', product: targets.d1.secondCardProductId }] : []),
  ];
  const cards: WorldCard[] = [];
  for (const { label, group, product } of plan) cards.push({ cardId: await d1.createCard(consumerId, product), label, group });
  return { d1, consumerId, cards, schemeOfGroup: new Map() };
}

export function worldCard(world: OptOutWorld, index: number): WorldCard {
  const card = world.cards[index];
  if (!card) throw new Error(`the world has no card ${index}`);
  return card;
}

/**
 * Starts a write and waits for its final state through the getter. `acceptedRule` is the rule that an answer other
 * than 200 with an operationId breaks.
 */
export async function writeToTheEnd(
  world: OptOutWorld,
  operationId: OperationId,
  target: { cardId: string } | { consumerId: string },
  body: Json,
  acceptedRule: RuleId,
): Promise<{ accepted: Json; final: Json }> {
  const response = await world.d1.call(operationId, { path: target, body });
  const accepted = (response.json ?? {}) as Json;
  holds(
    acceptedRule,
    response.status === 200 && typeof accepted.operationId === 'string',
    'status',
    '200 with an operationId',
    `status ${response.status}: ${response.text}`,
  );
  const opId = String(accepted.operationId);
  const final =
    'cardId' in target
      ? await world.d1.finalCardOperation(target.cardId, opId)
      : await world.d1.finalConsumerOperation(target.consumerId, opId);
  return { accepted, final };
}

export const finalStatusIs = (ruleId: RuleId, final: Json, expected: 'SUCCESSFUL' | 'FAILED'): void =>
  valueIsOneOf(ruleId, '/status', final.status, [expected]);

const show = (profiles: readonly string[]): string => (profiles.length === 0 ? '(no profile)' : profiles.map((p) => `[${p}]`).join(' '));

/**
 * The profiles D1 answers agree with the model: one per scheme that has an enrolled card, holding exactly those
 * cards, no other profile (an empty one included), and a scheme that stays the same for a group.
 * `ruleFor` names the rule a disagreement breaks, given what D1 answered.
 */
export async function profilesAgree(
  model: OptOutModel,
  world: OptOutWorld,
  ruleFor: (received: readonly Profile[]) => RuleId,
): Promise<void> {
  const received = await world.d1.profiles(world.consumerId);
  const labelOf = new Map(world.cards.map((c) => [c.cardId, c]));
  for (const profile of received) {
    const groups = new Set(profile.cards.map((id) => labelOf.get(id)?.group));
    const [group] = [...groups];
    const taken = [...world.schemeOfGroup.values()];
    if (groups.size === 1 && group && !world.schemeOfGroup.has(group) && !taken.includes(profile.scheme))
      world.schemeOfGroup.set(group, profile.scheme);
  }
  const expected = model
    .expectedProfiles()
    .map((p) => `${world.schemeOfGroup.get(p.group) ?? `scheme of ${p.group}`}: ${p.cards.join(', ')}`)
    .sort();
  const actual = received
    .map(
      (p) =>
        `${p.scheme}: ${p.cards
          .map((id) => labelOf.get(id)?.label ?? id)
          .sort()
          .join(', ')}`,
    )
    .sort();
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    throw new RuleViolation(ruleFor(received), '/clickToPayProfiles', show(expected), show(actual));
  }
}
