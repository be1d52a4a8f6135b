import type { components } from '../../gen/types/issuer-consumer-info.js';
import { validateRequest, validateResponse, type Violation } from '../../lib/validation/index.js';
import { ConfigurationError } from '../../lib/config/errors.js';

export type ConsumerInfo = components['schemas']['ConsumerInfo'];

/** The consumer a fresh reference issuer knows, with every field the contract describes. */
export const DEFAULT_CONSUMER_ID = 'cns_known_0001';

export const DEFAULT_CONSUMERS: Readonly<Record<string, ConsumerInfo>> = {
  [DEFAULT_CONSUMER_ID]: {
    language: 'en-GB',
    title: 'Mx.',
    firstName: 'Alex',
    middleName: 'Jordan',
    lastName: 'Sample',
    dateOfBirth: '1985-12-10',
    email: 'alex.sample@example.com',
    mobilePhoneNumber: { countryCode: '44', phoneNumber: '7700900123' },
  },
};

// Placeholder issuer id: only the consumerId is under test when a consumer is registered.
const ANY_ISSUER_ID = 'ISSUER0000';

/** A violation in words that never repeat the value received, which may be personal data. */
export const describeWithoutValue = (violation: Violation): string =>
  `${violation.ruleId ?? violation.keyword} at ${violation.pointer || '/'} (documented: ${violation.documented})`;

/** Why the issuer could not serve this consumer as the contract requires; empty when it can. */
export function consumerProblems(consumerId: string, info: unknown): string[] {
  const idViolations = validateRequest('getConsumerInformation', { path: { issuerId: ANY_ISSUER_ID, consumerId } })
    .filter((violation) => violation.pointer === '/consumerId')
    .map((violation) => `consumerId: ${describeWithoutValue(violation)}`);
  // The consumer is checked as the 200 answer that will carry it, so a registered consumer is always servable.
  const infoViolations = validateResponse('getConsumerInformation', {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { consumerInfo: info },
  }).map(describeWithoutValue);
  return [...idViolations, ...infoViolations];
}

/** The consumers the issuer knows, each checked against the contract when it is added. */
export class ConsumerDirectory {
  private readonly byId = new Map<string, ConsumerInfo>();

  constructor(initial: Readonly<Record<string, ConsumerInfo>>) {
    for (const [consumerId, info] of Object.entries(initial)) this.set(consumerId, info);
  }

  /** Adds or replaces a consumer; returns whether it was new. Throws a ConfigurationError naming what is wrong. */
  set(consumerId: string, info: ConsumerInfo): boolean {
    const problems = consumerProblems(consumerId, info);
    if (problems.length > 0) throw new ConfigurationError(`consumer ${consumerId} cannot be served: ${problems.join('; ')}`);
    const created = !this.byId.has(consumerId);
    // A copy, so that the caller changing its object later does not change what the issuer serves.
    this.byId.set(consumerId, structuredClone(info));
    return created;
  }

  get(consumerId: string): ConsumerInfo | undefined {
    const info = this.byId.get(consumerId);
    return info === undefined ? undefined : structuredClone(info);
  }

  remove(consumerId: string): boolean {
    return this.byId.delete(consumerId);
  }
}
