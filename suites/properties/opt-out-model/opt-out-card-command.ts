import type fc from 'fast-check';
import { label } from './enrol-command.js';
import type { OptOutModel } from './model.js';
import { finalStatusIs, profilesAgree, worldCard, writeToTheEnd, type OptOutWorld } from './world.js';

/**
 * Opts out one enrolled card: it leaves its scheme's profile, the other cards stay, and the profile goes with its
 * last card.
 */
export class OptOutCardCommand implements fc.AsyncCommand<OptOutModel, OptOutWorld> {
  constructor(readonly index: number) {}

  check(model: Readonly<OptOutModel>): boolean {
    return model.cards[this.index]?.state === 'enrolled';
  }

  async run(model: OptOutModel, world: OptOutWorld): Promise<void> {
    const { cardId } = worldCard(world, this.index);
    const wasLast = model.isLastOfItsScheme(this.index);
    const { final } = await writeToTheEnd(world, 'clickToPayOptoutCard', { cardId }, {}, 'CTP-OPTOUT-CARD-ASYNC');
    finalStatusIs('CTP-OPTOUT-CARD-ASYNC', final, 'SUCCESSFUL');
    model.card(this.index).state = 'optedOut';
    await profilesAgree(model, world, (received) =>
      received.some((p) => p.cards.includes(cardId))
        ? 'CTP-OPTOUT-CARD-REMOVES-CARD'
        : wasLast
          ? 'CTP-OPTOUT-CARD-LAST-CARD'
          : 'CTP-OPTOUT-CARD-KEEPS-OTHERS',
    );
  }

  toString(): string {
    return `optOutCard(${label(this.index)})`;
  }
}
