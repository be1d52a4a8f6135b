import type fc from 'fast-check';
import { label } from './enrol-command.js';
import type { OptOutModel } from './model.js';
import { finalStatusIs, profilesAgree, worldCard, writeToTheEnd, type OptOutWorld } from './world.js';

/**
 * Deletes a card, enrolled or not: it leaves Click to Pay with the delete (its profile too when it was the last card
 * of its scheme), and it can never be enrolled again.
 */
export class DeleteCardCommand implements fc.AsyncCommand<OptOutModel, OptOutWorld> {
  constructor(readonly index: number) {}

  check(model: Readonly<OptOutModel>): boolean {
    const state = model.cards[this.index]?.state;
    return state !== undefined && state !== 'deleted';
  }

  async run(model: OptOutModel, world: OptOutWorld): Promise<void> {
    const { cardId } = worldCard(world, this.index);
    const wasLast = model.isLastOfItsScheme(this.index);
    const { final } = await writeToTheEnd(world, 'deleteCard', { cardId }, { reasonCode: 'CLOSED_CARD' }, 'CARD-DELETE-ASYNC');
    finalStatusIs('CARD-DELETE-FINAL-STATE', final, 'SUCCESSFUL');
    model.card(this.index).state = 'deleted';
    await profilesAgree(model, world, () => (wasLast ? 'CARD-DELETE-LAST-CARD' : 'CARD-DELETE-OPTS-OUT'));
  }

  toString(): string {
    return `deleteCard(${label(this.index)})`;
  }
}
