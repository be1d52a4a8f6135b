import { cardNumbersIn, redactTextButCardNumbers } from '../lib/redaction.js';

/** The personal data the issuer sent D1 during the session, as sent: what its correlation ids must not contain. */
export interface PersonalValues {
  readonly names: readonly string[];
  readonly emails: readonly string[];
  readonly phones: readonly string[];
}

// Compared with separators removed and lowercased, like the redaction's sensitive keys.
const NAME_KEYS = new Set(['name', 'firstname', 'middlename', 'lastname', 'fullname', 'cardholdername']);
const EMAIL_KEYS = new Set(['email', 'emailaddress']);
const PHONE_KEYS = new Set(['phone', 'phonenumber', 'mobilephonenumber']);
const keyOf = (key: string): string => key.replace(/[-_\s]/g, '').toLowerCase();

/** Every string under a key, nested values included (a phone number sent as country code and number apart). */
const stringsIn = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
};

/** Names, emails and phone numbers found in the issuer's request bodies (register consumer, enrol, updates). */
export function personalValuesSent(bodies: Iterable<unknown>): PersonalValues {
  const names = new Set<string>();
  const emails = new Set<string>();
  const phones = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    // Bounded: a hostile body nested thousands of levels deep must not exhaust the stack.
    if (depth > 32 || !value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const normalised = keyOf(key);
      if (NAME_KEYS.has(normalised)) for (const text of stringsIn(child)) names.add(text);
      else if (EMAIL_KEYS.has(normalised)) for (const text of stringsIn(child)) emails.add(text);
      else if (PHONE_KEYS.has(normalised)) phones.add(stringsIn(child).join(''));
      else walk(child, depth + 1);
    }
  };
  for (const body of bodies) walk(body, 0);
  return { names: [...names].filter(Boolean), emails: [...emails].filter(Boolean), phones: [...phones].filter(Boolean) };
}

/** Letters and digits only, lowercased, accents dropped: `Dupont-Lefèvre` -> `dupontlefevre`. */
export const folded = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

/** The parts of a name worth looking for: each word of three letters or more, folded. */
export const nameParts = (name: string): string[] =>
  name
    .split(/[\s,.'_#;:/-]+/u)
    .map(folded)
    .filter((part) => part.length >= 3);

/**
 * What kind of personal data or secret the product's detectors see in a value, if any. Card numbers are the strict
 * ones (standing on their own), not the redaction's eager digit runs: a random UUID or hex id is no card number.
 */
export function detectedKind(value: string): string | undefined {
  if (cardNumbersIn(value).length > 0) return 'a card number';
  if (redactTextButCardNumbers(value) === value) return undefined;
  if (value.includes('@')) return 'an email address';
  if (value.includes('+')) return 'a phone number';
  return 'a token or key';
}

/**
 * Why a correlation id is personal data, or undefined when it is not: an email, phone or card number the detectors
 * recognise, or a name, email or phone number the issuer sent for one of its consumers during the session.
 */
export function personalDataIn(correlationId: string, sent: PersonalValues): string | undefined {
  const detected = detectedKind(correlationId);
  if (detected) return `it holds what looks like ${detected}`;
  const foldedId = folded(correlationId);
  // Words of the id, so that a three-letter name must stand alone rather than hide inside a random run.
  const words = new Set(
    correlationId
      .split(/[^\p{L}]+/u)
      .map(folded)
      .filter(Boolean),
  );
  for (const name of sent.names) {
    for (const part of nameParts(name)) {
      if (words.has(part) || (part.length >= 5 && foldedId.includes(part)))
        return 'it contains a name the issuer sent for one of its consumers';
    }
  }
  for (const email of sent.emails) {
    const local = folded(email.split('@')[0] ?? '');
    if (local.length >= 4 && foldedId.includes(local)) return 'it contains an email address the issuer sent for one of its consumers';
  }
  const idDigits = correlationId.replace(/\D/g, '');
  for (const phone of sent.phones) {
    const digits = phone.replace(/\D/g, '');
    if (digits.length >= 7 && idDigits.includes(digits.slice(-7)))
      return 'it contains a phone number the issuer sent for one of its consumers';
  }
  return undefined;
}
