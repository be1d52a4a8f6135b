/**
 * What the Click to Pay directory should hold for one consumer, per scheme: the cards enrolled and not since opted
 * out or deleted. Cards are labelled by scheme group and rank (A1, A2 of one scheme, B1 of the other), so that a
 * shrunk command sequence reads on its own.
 */

/** fresh: never enrolled; optedOut: enrolled once, then opted out (alone or with its consumer); deleted: for good. */
export type CardState = 'fresh' | 'enrolled' | 'optedOut' | 'deleted';

export interface ModelCard {
  readonly label: string;
  /** The card product's group: one group a scheme, as the targets configure their products. */
  readonly group: string;
  state: CardState;
}

export class OptOutModel {
  readonly cards: ModelCard[];
  /** Whether any enrol of the consumer has succeeded: a consumer opt-out after that is a repeat, not a first. */
  everEnrolled = false;

  constructor(cards: readonly { label: string; group: string }[]) {
    this.cards = cards.map((c) => ({ ...c, state: 'fresh' }));
  }

  card(index: number): ModelCard {
    const card = this.cards[index];
    if (!card) throw new Error(`the model has no card ${index}`);
    return card;
  }

  /** The enrolled cards of a group, in label order. */
  enrolledIn(group: string): string[] {
    return this.cards
      .filter((c) => c.group === group && c.state === 'enrolled')
      .map((c) => c.label)
      .sort();
  }

  /** Whether the card is the only enrolled card of its scheme: opting it out or deleting it removes the profile. */
  isLastOfItsScheme(index: number): boolean {
    const card = this.card(index);
    return card.state === 'enrolled' && this.enrolledIn(card.group).length === 1;
  }

  /** The profiles the API must show: one per scheme that has an enrolled card, with exactly those cards. */
  expectedProfiles(): { group: string; cards: string[] }[] {
    const groups = [...new Set(this.cards.map((c) => c.group))].sort();
    return groups.map((group) => ({ group, cards: this.enrolledIn(group) })).filter((p) => p.cards.length > 0);
  }
}
