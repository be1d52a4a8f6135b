/**
 * The consumer's data as an issuer's request carries them, read the same way by every check: the object named
 * consumerInfo in the documents, or personalInformation (the name the mock D1 and older clients use, which appears in
 * no document) when consumerInfo is absent.
 */
import { answeredObject, requestObject, type ObservedExchange } from './observed-exchange.js';

/** The members that may hold the consumer's data, the documented one first. */
export const CONSUMER_DATA_MEMBERS = ['consumerInfo', 'personalInformation'] as const;

export type ConsumerData = Readonly<Record<string, unknown>>;

/** The consumer data object of a request body, or undefined when the body carries none. */
export function consumerDataOf(exchange: ObservedExchange): ConsumerData | undefined {
  const body = requestObject(exchange);
  for (const member of CONSUMER_DATA_MEMBERS) {
    const data = body?.[member];
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as ConsumerData;
  }
  return undefined;
}

const hasValue = (value: unknown): boolean =>
  (typeof value === 'string' && value.trim() !== '') ||
  typeof value === 'number' ||
  (Boolean(value) && typeof value === 'object' && Object.keys(value as object).length > 0);

/** The names of the fields that hold a value. */
export const fieldsWithValue = (data: ConsumerData): Set<string> =>
  new Set(
    Object.entries(data)
      .filter(([, value]) => hasValue(value))
      .map(([name]) => name),
  );

/** What a Click to Pay profile needs of the consumer (the middle name is optional). */
export const CLICK_TO_PAY_FIELDS = ['firstName', 'lastName', 'email', 'mobilePhoneNumber', 'language'] as const;

/** Phone members a client may use; mobilePhoneNumber is the one the documents name. */
export const PHONE_FIELDS = ['mobilePhoneNumber', 'phoneNumber', 'phone'] as const;

/** Whether D1 accepted the call (a 2xx answer): only accepted writes change what D1 holds. */
export const accepted = (exchange: ObservedExchange): boolean =>
  answeredObject(exchange) !== undefined ||
  (exchange.response !== undefined && exchange.response.status >= 200 && exchange.response.status < 300);
