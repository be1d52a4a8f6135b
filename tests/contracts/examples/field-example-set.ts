/**
 * A table row of documented examples for field rules. The values are written from the documents, not computed from
 * the contracts, so a test that runs them proves the contract (and the validator generated from it) says what the
 * documents say.
 */
export interface FieldExampleSet {
  /** What the documents say about the field, in a few words. */
  readonly title: string;
  /** Catalogue ids of the rules these examples exercise (one field rule per operation that carries the field). */
  readonly rules: readonly string[];
  /** Values the rule must let through. */
  readonly accept: readonly unknown[];
  /** Values the rule must refuse, each with the rule id in the violation. */
  readonly reject: readonly unknown[];
}
