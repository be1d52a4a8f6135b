import type { FaultTable } from '../faults.js';

/**
 * The planted bugs of the mock D1. Each one makes the mock break exactly the rule named, at one place in the code,
 * so that a conformance run against it must fail with a test tagged with that rule.
 */
export const d1Faults = {
  'consumer-optout-repeat-409': {
    rule: 'CTP-OPTOUT-CONSUMER-REPEAT',
    description: 'A consumer opt-out of a consumer already opted out is answered 409 instead of ending SUCCESSFUL.',
  },
  'consumer-optout-never-enrolled-fails': {
    rule: 'CTP-OPTOUT-CONSUMER-NEVER-ENROLLED',
    description: 'A consumer opt-out of a consumer never enrolled ends FAILED.',
  },
  'enrol-operation-id-bad-pattern': {
    rule: 'CTP-ENROL-RESULT-OPERATIONID-PATTERN',
    description: 'The operationId answered to an enrol contains a dot.',
  },
  'enrol-issuer-id-length-unchecked': {
    rule: 'CTP-ENROL-ISSUERID-LENGTH',
    description: 'An enrol whose issuerId is not 10 characters long is not refused with 400.',
  },
  'enrol-name-length-unchecked': {
    rule: 'CTP-ENROL-NAME-LENGTH',
    description: 'An enrol with a cardholder name longer than 26 characters is accepted.',
  },
  'missing-token-accepted': {
    rule: 'CTP-ENROL-AUTH-REQUIRED',
    description: 'An enrol without an Authorization header is accepted.',
  },
  'expired-token-accepted': {
    rule: 'D1-TOKEN-UNAUTHORIZED',
    description: 'An access token is still accepted after it expired.',
  },
  'token-lifetime-one-hour': {
    rule: 'D1-TOKEN-LIFETIME',
    description: 'The token endpoint grants tokens for 3600 seconds instead of 900.',
  },
  'assertion-exp-unbounded': {
    rule: 'D1-TOKEN-JWT-EXP-MAX',
    description: 'An assertion whose exp lies hours ahead is accepted.',
  },
  'assertion-sub-unchecked': {
    rule: 'D1-TOKEN-JWT-SUB',
    description: 'An assertion whose sub is not the issuerId is accepted.',
  },
  'profiles-never-enrolled-404': {
    rule: 'CTP-PROFILES-EMPTY-LIST',
    description: 'The profiles of a consumer never enrolled are answered 404 instead of an empty list.',
  },
  'consumer-optout-keeps-cards': {
    rule: 'CTP-OPTOUT-CONSUMER-CASCADE',
    description: "A consumer opt-out leaves one of the consumer's cards enrolled.",
  },
  'last-card-optout-keeps-profile': {
    rule: 'CTP-OPTOUT-CARD-LAST-CARD',
    description: 'Opting out the last card of a consumer leaves an empty profile in place.',
  },
  'delete-card-keeps-enrolment': {
    rule: 'CARD-DELETE-OPTS-OUT',
    description: 'Deleting a card leaves it enrolled in Click to Pay.',
  },
  'reenrol-after-optout-fails': {
    rule: 'CTP-ENROL-AFTER-OPTOUT',
    description: 'Enrolling a card that was opted out ends FAILED.',
  },
  'duplicate-scheme-profile': {
    rule: 'CTP-PROFILES-ONE-PER-SCHEME',
    description: 'Each enrolled card gets a profile of its own, so a scheme can appear twice in the list.',
  },
  'enrol-stays-pending': {
    rule: 'CTP-ENROL-FINAL-STATE',
    description: 'An enrol operation never leaves PENDING.',
  },
  'notification-without-start-time': {
    rule: 'NOTIFY-CARD-STARTTIME-REQUIRED',
    description: 'Card notifications are sent without startTime.',
  },
  'enrol-notification-never-sent': {
    rule: 'CTP-ENROL-NOTIFY-CARD',
    description: 'The final result of an enrol is never notified.',
  },
  'two-final-results': {
    rule: 'NOTIFY-CARD-ONE-TERMINAL',
    description: 'An enrol is notified twice with different final statuses (SUCCESSFUL, then FAILED).',
  },
  'consumer-optout-notified-as-card': {
    rule: 'CTP-OPTOUT-CONSUMER-NOTIFY-CONSUMER',
    description: 'The end of a consumer opt-out is sent to Notify Card Operations instead of Notify Consumer Operations.',
  },
  'notification-not-retried': {
    rule: 'NOTIFY-CARD-RETRY',
    description: 'A card notification the issuer answered with a 5xx or did not answer is dropped instead of retried.',
  },
} as const satisfies FaultTable;

export type D1Fault = keyof typeof d1Faults;
