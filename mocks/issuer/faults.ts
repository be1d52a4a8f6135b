import type { FaultTable } from '../faults.js';

/**
 * Planted bugs of the reference issuer. Each one, switched on by name (`--fault NAME` or `options.faults`), makes the
 * issuer break exactly one catalogue rule, so that the issuer suites can be shown to notice it.
 */
export const issuerFaults = {
  'token-wrong-secret-accepted': {
    rule: 'ISSUER-TOKEN-WRONG-SECRET',
    description: 'The token endpoint grants a token to the right client id whatever secret comes with it.',
  },
  'token-json-body-accepted': {
    rule: 'ISSUER-TOKEN-MISSING-GRANT',
    description: 'The token endpoint reads a JSON body as if it were the form and grants a token instead of answering 400 invalid_request.',
  },
  'token-unsupported-grant-accepted': {
    rule: 'ISSUER-TOKEN-UNSUPPORTED-GRANT',
    description: 'The token endpoint grants a token for any grant_type instead of answering 400 unsupported_grant_type.',
  },
  'token-type-lowercase': {
    rule: 'ISSUER-TOKEN-TOKENTYPE-ENUM',
    description: 'The token answer says token_type "bearer" instead of "Bearer".',
  },
  'token-expires-in-number': {
    rule: 'ISSUER-TOKEN-EXPIRESIN-TYPE',
    description: 'The token answer gives expires_in as a JSON number instead of a string.',
  },
  'token-wrong-secret-answered-400': {
    rule: 'ISSUER-TOKEN-WRONG-SECRET-ANSWER',
    description: 'A token request with a wrong secret gets no token, but 400 invalid_request instead of 401 invalid_client.',
  },
  'card-notification-without-token-answered-403': {
    rule: 'NOTIFY-CARD-AUTH-401',
    description: 'Card notifications without a valid bearer token are refused, but with 403 instead of 401.',
  },
  'consumer-notification-without-token-answered-403': {
    rule: 'NOTIFY-CONSUMER-AUTH-401',
    description: 'Consumer notifications without a valid bearer token are refused, but with 403 instead of 401.',
  },
  'consumer-info-without-token-answered-403': {
    rule: 'CONSUMER-INFO-AUTH-401',
    description: 'Consumer information requests without a valid bearer token are refused, but with 403 instead of 401.',
  },
  'card-notification-without-token-accepted': {
    rule: 'NOTIFY-CARD-AUTH-REJECT',
    description: 'Card notifications are acknowledged without a bearer token, or with a token the issuer never granted.',
  },
  'consumer-notification-without-token-accepted': {
    rule: 'NOTIFY-CONSUMER-AUTH-REJECT',
    description: 'Consumer notifications are acknowledged without a bearer token, or with a token the issuer never granted.',
  },
  'invalid-card-notification-acknowledged': {
    rule: 'NOTIFY-CARD-BAD-REQUEST',
    description: 'A card notification whose body breaks its contract is acknowledged with 204 instead of refused with 400.',
  },
  'duplicate-card-notification-conflict': {
    rule: 'NOTIFY-CARD-DUPLICATES',
    description: 'A card notification repeating an item already received (same operationId and status) is answered 409.',
  },
  'duplicate-consumer-notification-server-error': {
    rule: 'NOTIFY-CONSUMER-DUPLICATES',
    description: 'A consumer notification repeating an item already received (same operationId and status) is answered 500.',
  },
  'final-before-pending-rejected': {
    rule: 'NOTIFY-CARD-ORDER',
    description: 'A card notification bringing a final status for an operation never seen PENDING is answered 409.',
  },
  'card-batch-rejected': {
    rule: 'NOTIFY-CARD-BATCH',
    description: 'A card notification carrying more than one operation is refused with 400.',
  },
  'unknown-card-operation-rejected': {
    rule: 'NOTIFY-CARD-FORWARD-COMPATIBLE',
    description: 'A card notification naming an operation value the contract does not list is refused with 400.',
  },
  'consumer-notification-answered-200': {
    rule: 'NOTIFY-CONSUMER-ANSWER-204',
    description: 'An accepted consumer notification is answered 200 with a JSON body instead of 204 without one.',
  },
  'consumer-language-pattern-broken': {
    rule: 'CONSUMER-INFO-LANGUAGE-PATTERN',
    description:
      'The language in consumerInfo is sent with an underscore in place of its hyphen (en_GB): five characters that break the pattern.',
  },
  'unknown-consumer-answered-200': {
    rule: 'CONSUMER-INFO-UNKNOWN-CONSUMER',
    description: 'An unknown consumerId is answered 200 with placeholder data instead of 404.',
  },
  // Intermittent: wrong in some runs only, so that `certify --repeat` has a rule that flips between identical runs.
  'unknown-consumer-answered-200-in-odd-runs': {
    rule: 'CONSUMER-INFO-UNKNOWN-CONSUMER',
    description:
      'In odd-numbered runs of a repeated certification (and in a run not repeated) an unknown consumerId is answered 200 ' +
      'with placeholder data instead of 404; in even-numbered ones, 404.',
  },
  'consumer-info-without-token-served': {
    rule: 'CONSUMER-INFO-AUTH-REJECT',
    description: 'Consumer information is served without a bearer token, or with a token the issuer never granted.',
  },
  'consumer-info-bad-request-answered-404': {
    rule: 'CONSUMER-INFO-BAD-REQUEST',
    description: 'A consumer information request whose path, query or headers break their formats is answered 404 instead of 400.',
  },
  'restricted-consumer-served': {
    rule: 'CONSUMER-INFO-INVALID-STATE',
    description: 'Serves the data of a consumer whose state forbids sharing them, instead of answering 403.',
  },
} as const satisfies FaultTable;

export type IssuerFaultName = keyof typeof issuerFaults;
