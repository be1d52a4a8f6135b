import type fc from 'fast-check';
import { label } from './enrol-command.js';
import type { OptOutModel } from './model.js';
import { finalStatusIs, profilesAgree, worldCard, writeToTheEnd, type OptOutWorld } from './world.js';

/** Enrols again a card that was opted out (alone or with its consumer): it succeeds and the card is back. */
export class ReEnrolCommand implements fc.AsyncCommand<OptOutModel, OptOutWorld> {
  constructor(readonly index: number) {}

  check(model: Readonly<OptOutModel>): boolean {
    return model.cards[this.index]?.state === 'optedOut';
  }

  async run(model: OptOutModel, world: OptOutWorld): Promise<void> {
    const { final } = await writeToTheEnd(
      world,
      'clickToPayEnrol',
      { cardId: worldCard(world, this.index).cardId },
      { name: 'Ana Lima' },
      'CTP-ENROL-AFTER-OPTOUT',
    );
    finalStatusIs('CTP-ENROL-AFTER-OPTOUT', final, 'SUCCESSFUL');
    model.card(this.index).state = 'enrolled';
    await profilesAgree(model, world, () => 'CTP-ENROL-AFTER-OPTOUT');
  }

  toString(): string {
    return `reEnrol(${label(this.index)})`;
  }
}
