import { variantSetOf, type VariantTable } from '../variants.js';

/**
 * Legitimate variants of the reference issuer. Each one, switched on by name (`--variant NAME`, `options.variants` or
 * MOCK_ISSUER_VARIANTS), makes the issuer take another choice the documents leave open; the issuer suites must pass
 * against every one of them. The endpoint modules read their own settings from the names switched on.
 */
export const issuerVariants = {
  'strict-anchored-ids': {
    description:
      'Notifications whose identifiers or times are not in the form D1 gives them (anchored id patterns, ' +
      "D1's ISO 8601 timestamp expression) are refused with 400.",
    allowedBy:
      'D1 issues operation and card ids under anchored patterns and publishes its notification timestamp expression; ' +
      'the issuer may hold its input to them.',
  },
  'media-type-415': {
    description: 'A notification sent in another media type than JSON is refused with 415 instead of 400.',
    allowedBy: 'The notification contracts document JSON only and RFC 9110 names 415 as the answer to a media type a server does not take.',
  },
  'optional-fields-absent': {
    description: 'Get Consumer Information answers with the required fields of consumerInfo only (language, firstName, lastName).',
    allowedBy: 'The Get Consumer Information contract requires language, firstName and lastName only; every other field is optional.',
  },
  'unknown-fields': {
    description: 'Consumer information answers and error answers carry fields the contracts do not describe.',
    allowedBy: 'The contracts do not forbid additional properties, and D1 is expected to ignore what it does not know.',
  },
  'unknown-card-refused': {
    description: 'A card notification naming a card the issuer does not know is refused with 400 and an error body.',
    allowedBy: 'The documents do not say whether a notification for a card the issuer does not know is acknowledged or refused.',
  },
  'unknown-card-acknowledged': {
    description: 'A card notification naming a card the issuer does not know is acknowledged with 204 (the default).',
    allowedBy: 'The documents do not say whether a notification for a card the issuer does not know is acknowledged or refused.',
  },
  'lengths-in-utf16-units': {
    description: 'Lengths of request fields are counted in UTF-16 code units, as Java and JavaScript strings count them.',
    allowedBy: 'The identifiers D1 sends are ASCII, where UTF-16 units and code points give the same length.',
  },
  'lengths-in-code-points': {
    description: 'Lengths of request fields are counted in Unicode code points, as JSON Schema counts them (the default).',
    allowedBy: 'JSON Schema counts a string length in code points (RFC 8259 characters).',
  },
  'notifications-validated-lazily': {
    description:
      'Every readable notification is acknowledged with 204 and checked later, when it is processed; broken items are then dropped.',
    allowedBy:
      'The issuer answers 204 once it has received a notification; that it refuses a broken one with 400 is inferred, not documented.',
  },
  'standard-oauth-answers': {
    description:
      'The token endpoint answers as mainstream OAuth servers do: expires_in a JSON number, no expires_at, ' +
      'and 400 invalid_request to a request without any client authentication.',
    allowedBy:
      'RFC 6749 gives expires_in as a number (section 5.1) and allows 400 when no Authorization header was sent (section 5.2); ' +
      "the documents' string is a quirk the catalogue records.",
  },
  'oauth-server-oidc-provider': {
    description:
      'The token endpoint is served by oidc-provider, a certified OAuth 2.0 server (client credentials, client_secret_basic), ' +
      'on an origin of its own; its tokens open the notification and consumer endpoints.',
    allowedBy:
      'The documents ask for an OAuth 2.0 client credentials endpoint with Basic client authentication, ' +
      'not for a particular implementation of it.',
  },
} as const satisfies VariantTable;

export type IssuerVariantName = keyof typeof issuerVariants;

/** Variants that answer the same question two ways: at most one of each group may be switched on. */
const EXCLUSIVE_GROUPS: readonly (readonly IssuerVariantName[])[] = [
  ['unknown-card-refused', 'unknown-card-acknowledged'],
  ['lengths-in-utf16-units', 'lengths-in-code-points'],
  ['standard-oauth-answers', 'oauth-server-oidc-provider'],
];

/** The set of switched-on variants, refusing unknown names and choices that exclude each other. */
export const variantSet = (names: readonly string[]): ReadonlySet<IssuerVariantName> =>
  variantSetOf(issuerVariants, names, EXCLUSIVE_GROUPS);
