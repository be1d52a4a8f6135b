import fc from 'fast-check';
import { DeleteCardCommand } from './delete-card-command.js';
import { EnrolCommand } from './enrol-command.js';
import type { OptOutModel } from './model.js';
import { OptOutCardCommand } from './opt-out-card-command.js';
import { OptOutConsumerCommand } from './opt-out-consumer-command.js';
import { ReEnrolCommand } from './re-enrol-command.js';
import type { OptOutWorld } from './world.js';
import { commandsReplayPath } from '../replay.js';

/**
 * Sequences of enrols, opt-outs, deletes and re-enrols over one consumer's cards. A command whose precondition does
 * not hold is skipped, so the weights favour enrols (without them the opt-outs have nothing to remove) and delete,
 * which ends a card for good, comes least.
 */
export function optOutCommandsArb(cardCount: number): fc.Arbitrary<Iterable<fc.AsyncCommand<OptOutModel, OptOutWorld>>> {
  const card = fc.nat({ max: cardCount - 1 });
  const replayPath = commandsReplayPath();
  const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T>[] => Array.from({ length: weight }, () => arbitrary);
  return fc.commands<OptOutModel, OptOutWorld, false>(
    [
      ...weighted(
        3,
        card.map((i) => new EnrolCommand(i)),
      ),
      ...weighted(
        2,
        card.map((i) => new ReEnrolCommand(i)),
      ),
      ...weighted(
        3,
        card.map((i) => new OptOutCardCommand(i)),
      ),
      ...weighted(2, fc.constant(new OptOutConsumerCommand())),
      card.map((i) => new DeleteCardCommand(i)),
    ],
    { maxCommands: 20, size: 'large', ...(replayPath ? { replayPath } : {}) },
  );
}
