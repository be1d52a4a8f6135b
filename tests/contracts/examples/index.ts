import type { FieldExampleSet } from './field-example-set.js';
import { clickToPayExamples } from './d1-click-to-pay.js';

/** Every table of documented examples, one per contract. */
export const allExampleSets: readonly FieldExampleSet[] = [...clickToPayExamples];
