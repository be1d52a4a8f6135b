import type fc from 'fast-check';
import { valueIsOneOf } from '../../../lib/checks/index.js';
import type { OptOutModel } from './model.js';
import { finalStatusIs, profilesAgree, writeToTheEnd, type OptOutWorld } from './world.js';

/**
 * Opts out the consumer: every card of every scheme leaves, the profile list is empty, and doing it again (or for a
 * consumer never enrolled) is SUCCESSFUL too.
 */
export class OptOutConsumerCommand implements fc.AsyncCommand<OptOutModel, OptOutWorld> {
  check(): boolean {
    return true;
  }

  async run(model: OptOutModel, world: OptOutWorld): Promise<void> {
    const anyEnrolled = model.cards.some((c) => c.state === 'enrolled');
    const rule = anyEnrolled
      ? 'CTP-OPTOUT-CONSUMER-CASCADE'
      : model.everEnrolled
        ? 'CTP-OPTOUT-CONSUMER-REPEAT'
        : 'CTP-OPTOUT-CONSUMER-NEVER-ENROLLED';
    const { accepted, final } = await writeToTheEnd(world, 'clickToPayOptoutConsumer', { consumerId: world.consumerId }, {}, rule);
    valueIsOneOf('CTP-OPTOUT-CONSUMER-IMMEDIATE-STATUS', '/status', accepted.status, ['PENDING', 'SUCCESSFUL']);
    finalStatusIs(rule, final, 'SUCCESSFUL');
    for (const card of model.cards) if (card.state === 'enrolled') card.state = 'optedOut';
    await profilesAgree(model, world, () => rule);
  }

  toString(): string {
    return 'optOutConsumer()';
  }
}
