import fc from 'fast-check';
import { operations } from '../../../gen/operations.js';
import { NOTIFICATION_OPERATION } from './notification-fields.js';

/**
 * The words of the notification contracts' enum values (CLICK, PAY, ENROLMENT, PENDING...): what D1's own codes are
 * made of, so that the free-text fields the suite fills (error codes, details, values of fields the contract does not
 * know yet) read like D1's and stay printable ASCII.
 */
export const NOTIFICATION_WORDS: readonly string[] = [
  ...new Set(
    Object.values(NOTIFICATION_OPERATION)
      .flatMap((operationId) => Object.values(operations[operationId].fields))
      .flatMap((field) => field.schema.enum ?? [])
      .filter((value): value is string => typeof value === 'string')
      .flatMap((value) => value.split('_')),
  ),
].sort();

/** How the words are put together: an UPPER_SNAKE code, a camelCase field name, or a short sentence for people. */
export type VocabularyShape = 'UPPER_SNAKE' | 'camelCase' | 'Sentence';

const capitalised = (word: string): string => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

/** One to three of the contracts' words in the given shape. */
export function notificationVocabularyArb(shape: VocabularyShape): fc.Arbitrary<string> {
  if (NOTIFICATION_WORDS.length === 0) throw new Error('notificationVocabularyArb: the notification contracts list no enum words');
  return fc.array(fc.constantFrom(...NOTIFICATION_WORDS), { minLength: 1, maxLength: 3 }).map((words) => {
    if (shape === 'UPPER_SNAKE') return words.join('_');
    const lower = words.map((word) => word.toLowerCase());
    if (shape === 'camelCase') return lower.map((word, index) => (index === 0 ? word : capitalised(word))).join('');
    return capitalised(lower.join(' '));
  });
}
