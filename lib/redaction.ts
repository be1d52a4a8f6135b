/**
 * Redaction of secrets and personal data before anything is logged or reported: by key (headers and fields whose
 * name says they hold a secret or a person's data) and by value (card numbers that pass Luhn, emails, phone numbers,
 * JWTs and bearer tokens), whatever field they hide in.
 */
export const REDACTED = '[redacted]';

// Compared with separators removed and lowercased: `Client-Secret`, `client_secret` and `clientSecret` are one key.
const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'assertion',
  'clientassertion',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'token',
  'password',
  'privatekey',
  'secret',
  'encrypteddata',
  'pan',
  'cardnumber',
  'cvv',
  'cvc',
  'name',
  'firstname',
  'middlename',
  'lastname',
  'fullname',
  'title',
  'email',
  'emailaddress',
  'phone',
  'phonenumber',
  'mobilephonenumber',
  'dateofbirth',
  'address',
  'billingaddress',
  'line1',
  'line2',
]);

/** Whether a key names a secret or a person's data. */
export const isSensitiveKey = (key: string): boolean => SENSITIVE_KEYS.has(key.replace(/[-_\s]/g, '').toLowerCase());

/** The check digit test every card number passes (ISO/IEC 7812). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// Redaction is eager on purpose: any 13 to 19 digits read across single spaces or hyphens, wherever they stand (inside
// a UUID or a hex id too), are masked when they pass Luhn. Masking a random id now and then costs nothing; judging an
// issuer uses the strict cardNumbersIn below, since a rule failed on a random id would be unfair.
const CARD_CANDIDATE = /\d(?:[ -]?\d){12,18}/g;
/**
 * A card number as it is written on its own: 13 to 19 digits in one run, or in groups of four separated by one
 * space or one hyphen throughout (the last group may be shorter), with no letter or digit glued to either end (nor
 * digits joined by a hyphen). A digit run inside a longer alphanumeric token, or spread over a UUID's groups, is not one.
 */
const STANDALONE_CARD_NUMBER = /(?<![A-Za-z0-9]|\d-)(?:\d{13,19}|\d{4}([ -])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,4})?)(?![A-Za-z0-9]|-\d)/g;
// Bounded runs keep the scan linear on long hostile text.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g;
const PHONE = /\+\d[\d ().-]{6,18}\d/g;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;

/** The card numbers standing on their own in a text, Luhn-valid, as written: what judging an issuer looks for. */
export function cardNumbersIn(text: string): string[] {
  return [...text.matchAll(STANDALONE_CARD_NUMBER)]
    .map((match) => match[0])
    .filter((written) => {
      const digits = written.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
    });
}

/** Replaces every secret or personal value found inside a text. */
export function redactText(text: string): string {
  return redactValues(text, true);
}

/** The same redaction without the eager card numbers, for detectors that look for card numbers with cardNumbersIn. */
export function redactTextButCardNumbers(text: string): string {
  return redactValues(text, false);
}

function redactValues(text: string, cardNumbers: boolean): string {
  // The email pattern backtracks over long runs without an @, so it only runs where an @ is.
  const withoutEmails = text.includes('@') ? text.replace(EMAIL, REDACTED) : text;
  return withoutEmails
    .replace(PEM, REDACTED)
    .replace(JWT, REDACTED)
    .replace(AUTH_SCHEME, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(CARD_CANDIDATE, (match) => {
      if (!cardNumbers) return match;
      const digits = match.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits) ? REDACTED : match;
    })
    .replace(PHONE, REDACTED);
}

/** A deep copy with sensitive keys masked and sensitive values replaced. */
export function redactValue(value: unknown, extraSecrets: readonly string[] = []): unknown {
  if (typeof value === 'string') {
    let text = redactText(value);
    for (const secret of extraSecrets) if (secret.length >= 4) text = text.split(secret).join(REDACTED);
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, extraSecrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, child]) => [
        key,
        isSensitiveKey(key) && child !== null && child !== undefined && child !== '' ? REDACTED : redactValue(child, extraSecrets),
      ]),
    );
  }
  return value;
}
