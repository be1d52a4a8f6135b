/**
 * A model-based test of the Click to Pay opt-outs: random sequences of enrol, card opt-out, consumer opt-out, card
 * delete and re-enrol over one consumer's cards, after each of which the profiles D1 answers must be the model's.
 */
import fc from 'fast-check';
import { test, rule } from '../../../fixtures/index.js';
import { INDEPENDENT_CASES_IN_FLIGHT } from '../concurrent-check.js';
import { assertProperty } from '../replay.js';
import { OptOutModel } from './model.js';
import { optOutCommandsArb } from './opt-out-commands-arb.js';
import { createWorld } from './world.js';

test(
  'enrols, opt-outs, deletes and re-enrols leave the profiles the model predicts',
  rule(
    'CTP-OPTOUT-CONSUMER-REPEAT',
    'CTP-OPTOUT-CONSUMER-CASCADE',
    'CTP-OPTOUT-CONSUMER-NEVER-ENROLLED',
    'CTP-OPTOUT-CONSUMER-IMMEDIATE-STATUS',
    'CTP-OPTOUT-CARD-REMOVES-CARD',
    'CTP-OPTOUT-CARD-KEEPS-OTHERS',
    'CTP-OPTOUT-CARD-LAST-CARD',
    'CARD-DELETE-OPTS-OUT',
    'CARD-DELETE-LAST-CARD',
    'CTP-ENROL-UNKNOWN-CARD',
    'CTP-ENROL-AFTER-OPTOUT',
    'CTP-ENROL-CREATES-PROFILE',
    'CTP-PROFILES-ONE-PER-SCHEME',
  ),
  async ({ d1, targets }) => {
    test.setTimeout(90_000);
    const cardCount = targets.d1.secondCardProductId ? 3 : 2;
    await assertProperty(
      targets.config,
      fc.asyncProperty(optOutCommandsArb(cardCount), async (commands) => {
        // A fresh consumer and cards per run: the model starts from nothing enrolled.
        const world = await createWorld(d1, targets);
        await fc.asyncModelRun(() => ({ model: new OptOutModel(world.cards), real: world }), commands);
      }),
      // Each run makes its own consumer and cards (createWorld), so sequences can run at once.
      { numRuns: 20, timeLimitMs: 30_000, concurrency: INDEPENDENT_CASES_IN_FLIGHT },
    );
  },
);
