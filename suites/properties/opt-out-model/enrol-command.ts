import type fc from 'fast-check';
import type { OptOutModel } from './model.js';
import { finalStatusIs, profilesAgree, worldCard, writeToTheEnd, type OptOutWorld } from './world.js';

/**
 * Enrols a card never enrolled, or one that was deleted. The first joins its scheme's profile (creating it); the
 * deleted one is accepted and fails, and nothing changes (CTP-ENROL-UNKNOWN-CARD, inferred).
 */
export class EnrolCommand implements fc.AsyncCommand<OptOutModel, OptOutWorld> {
  constructor(readonly index: number) {}

  check(model: Readonly<OptOutModel>): boolean {
    const state = model.cards[this.index]?.state;
    return state === 'fresh' || state === 'deleted';
  }

  async run(model: OptOutModel, world: OptOutWorld): Promise<void> {
    const card = model.card(this.index);
    const deleted = card.state === 'deleted';
    const rule = deleted ? 'CTP-ENROL-UNKNOWN-CARD' : 'CTP-ENROL-CREATES-PROFILE';
    const { final } = await writeToTheEnd(
      world,
      'clickToPayEnrol',
      { cardId: worldCard(world, this.index).cardId },
      { name: 'Ana Lima' },
      deleted ? rule : 'CTP-ENROL-ASYNC',
    );
    finalStatusIs(deleted ? rule : 'CTP-ENROL-FINAL-STATE', final, deleted ? 'FAILED' : 'SUCCESSFUL');
    if (!deleted) {
      card.state = 'enrolled';
      model.everEnrolled = true;
    }
    await profilesAgree(model, world, () => rule);
  }

  toString(): string {
    return `enrol(${label(this.index)})`;
  }
}

/** The label a card index has in every world: A1, A2, then B1. */
export const label = (index: number): string => ['A1', 'A2', 'B1'][index] ?? `card${index}`;
