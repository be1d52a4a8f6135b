import { variantSetOf, type VariantTable } from '../variants.js';

/** Legitimate variants of the mock D1: choices the documents leave to D1, which the D1-facing suites must accept. */
export const d1Variants = {
  'strict-anchored-ids': {
    description:
      'Every identifier received (path ids, x-correlation-id, cardId, consumerId, newCardId) ' +
      'must match the anchored form of its documented pattern, or the call is refused with 400 FIELD_INVALID_FORMAT.',
    allowedBy:
      'The same identifiers are published with anchored patterns on the v2 and Click to Pay pages; ' +
      "reading the v1 pages' unanchored copies as whole-value patterns is what every regex-validating server does.",
  },
  'media-type-415': {
    description: 'A request body sent with a Content-Type the operation does not take is answered 415 with a D1 error body, not 400.',
    allowedBy: 'The documents name no status for a wrong media type; HTTP (RFC 9110 §15.5.16) names 415 for it.',
  },
  'optional-fields-absent': {
    description:
      "Answers leave out every field the contract does not require and the documents do not promise: the token's scope, " +
      "an operation's endTime, a listed card's cardProductId.",
    allowedBy: 'The published answer schemas require none of these fields, and the v1 operation model marks endTime as not required.',
  },
  'unknown-fields': {
    description: 'Every answer object, success or error, carries extra fields that the contract does not name.',
    allowedBy: 'The published answer schemas do not forbid additional properties, and D1 adds fields between versions.',
  },
  'lengths-in-utf16-units': {
    description: 'Length limits are counted in UTF-16 code units, so a character outside the Basic Multilingual Plane counts twice.',
    allowedBy:
      'The documents give lengths in characters without saying how a character is counted; Java and JavaScript strings count UTF-16 units.',
  },
  'issuer-id-resolved-strictly': {
    description:
      "A well-formed path issuerId that is not the access token's own issuer is refused with 403 and a D1 error body (instead of 401).",
    allowedBy:
      'The documents answer 401 to a missing or invalid token and list 403 for a forbidden action; ' +
      "a valid token used on another issuer's resources is either.",
  },
  'pan-like-ids-refused': {
    description:
      'A cardId, newCardId or consumerId made of 13 to 19 digits (the shape of a card number) is refused with 400 FIELD_INVALID_VALUE.',
    allowedBy:
      'The documents say a cardId must not be the card number nor derived from it, so D1 may refuse identifiers that look like one.',
  },
} as const satisfies VariantTable;

export type D1Variant = keyof typeof d1Variants;

/** The set of switched-on variants, refusing names the table does not know. */
export const d1VariantSet = (names: readonly string[]): ReadonlySet<D1Variant> => variantSetOf(d1Variants, names);

/** The endpoint modules' settings the variants decide; each module reads only its own. */
export interface D1VariantSettings {
  /** Request checks of the dispatcher, beyond the contract's validators. */
  readonly requests: {
    readonly anchoredIds: boolean;
    readonly lengthUnit: 'code-point' | 'utf16';
    readonly panLikeIdsRefused: boolean;
    readonly wrongMediaTypeStatus: 400 | 415;
    /** The answer to a valid token used on another issuer's path. */
    readonly foreignIssuerStatus: 401 | 403;
  };
  /** The shape of answers. */
  readonly answers: {
    readonly optionalFieldsAbsent: boolean;
    readonly unknownFields: boolean;
  };
}

export function d1VariantSettings(variants: ReadonlySet<D1Variant>): D1VariantSettings {
  return {
    requests: {
      anchoredIds: variants.has('strict-anchored-ids'),
      lengthUnit: variants.has('lengths-in-utf16-units') ? 'utf16' : 'code-point',
      panLikeIdsRefused: variants.has('pan-like-ids-refused'),
      wrongMediaTypeStatus: variants.has('media-type-415') ? 415 : 400,
      foreignIssuerStatus: variants.has('issuer-id-resolved-strictly') ? 403 : 401,
    },
    answers: {
      optionalFieldsAbsent: variants.has('optional-fields-absent'),
      unknownFields: variants.has('unknown-fields'),
    },
  };
}
