/**
 * Usage rules about the consumer data the issuer gives D1: which fields a registration carries, what a Click to Pay
 * profile gets, that a Click to Pay consumer update carries every field, and that data D1 stores are kept current
 * through update consumer. Each reads the consumer data as consumer-data.ts does (consumerInfo, or personalInformation),
 * and reports field names, never values.
 */
import { answeredObject, requestObject, type ObservedExchange } from './observed-exchange.js';
import { accepted, CLICK_TO_PAY_FIELDS, consumerDataOf, fieldsWithValue, PHONE_FIELDS, type ConsumerData } from './consumer-data.js';
import { finding, isOperation, type Departure, type UsageCheck } from './usage-finding.js';

const missing = (present: ReadonlySet<string>, wanted: readonly string[]): string[] => wanted.filter((field) => !present.has(field));
const hasPhone = (present: ReadonlySet<string>): boolean => PHONE_FIELDS.some((field) => present.has(field));

/**
 * CONSUMER-REGISTER-RECOMMENDED-FIELDS and CONSUMER-REGISTER-CTP-FIELDS, on each registration that carries consumer
 * data (one without is CONSUMER-REGISTER-WITHOUT-DATA's way, and D1 asks later). One missing field, one failed rule:
 * names, email and a phone number are the recommended fields; what Click to Pay needs on top is the language and the
 * phone as mobilePhoneNumber. The postal address is recommended too, but no document publishes its member, so it is
 * not judged.
 */
export const consumerRegistrationsCarryTheirFields: UsageCheck = (view) => {
  const registrations = view.exchanges
    .filter((e) => isOperation(e, 'registerConsumer'))
    .flatMap((e) => {
      const data = consumerDataOf(e);
      return data ? [{ exchange: e, present: fieldsWithValue(data) }] : [];
    });
  const recommended: Departure[] = [];
  const clickToPay: Departure[] = [];
  for (const { exchange, present } of registrations) {
    const absent = [...missing(present, ['firstName', 'lastName', 'email']), ...(hasPhone(present) ? [] : ['a phone number'])];
    if (absent.length > 0) recommended.push({ sequence: exchange.sequence, what: `the consumer data lack ${absent.join(', ')}` });
    const forClickToPay = [
      ...missing(present, ['language']),
      ...(hasPhone(present) && !present.has('mobilePhoneNumber') ? ['mobilePhoneNumber (the phone is under another name)'] : []),
    ];
    if (forClickToPay.length > 0)
      clickToPay.push({ sequence: exchange.sequence, what: `the consumer data lack ${forClickToPay.join(', ')}` });
  }
  const judged = registrations.map((r) => r.exchange.sequence);
  return [
    finding(
      'CONSUMER-REGISTER-RECOMMENDED-FIELDS',
      'body /consumerInfo',
      'first and last name, email and phone number in the consumer data of a registration ' +
        "(the postal address's member is not published, so it is not judged)",
      judged,
      recommended,
      'registrations carrying consumer data',
    ),
    finding(
      'CONSUMER-REGISTER-CTP-FIELDS',
      'body /consumerInfo',
      'on top of those, what Click to Pay needs: language, and the phone as mobilePhoneNumber',
      judged,
      clickToPay,
      'registrations carrying consumer data',
    ),
  ];
};

/** The owner of each card, from the calls that made or listed it. */
function cardOwners(exchanges: readonly ObservedExchange[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const exchange of exchanges) {
    if (!isOperation(exchange, 'createCard', 'registerCard') || !accepted(exchange)) continue;
    const cardId = exchange.params.cardId ?? answeredObject(exchange)?.cardId;
    const consumerId = requestObject(exchange)?.consumerId;
    if (typeof cardId === 'string' && typeof consumerId === 'string') owners.set(cardId, consumerId);
  }
  return owners;
}

/**
 * CONSUMER-REGISTER-CTP-PROFILE-DATA, for the consumers registered without data whose card the issuer enrols: D1
 * gets their data from the issuer's Get Consumer Information answer, which must hold every field a profile needs. A
 * consumer registered with data is judged by the registration rules above, once.
 */
export const clickToPayProfilesGetTheirData: UsageCheck = (view) => {
  const owners = cardOwners(view.exchanges);
  const registeredWithData = new Set(
    view.exchanges
      .filter((e) => isOperation(e, 'registerConsumer', 'updateConsumer') && consumerDataOf(e))
      .flatMap((e) => e.params.consumerId ?? []),
  );
  const enrolsOfDatalessConsumers = view.exchanges.filter((e) => {
    const consumerId = owners.get(e.params.cardId ?? '');
    return isOperation(e, 'clickToPayEnrol') && accepted(e) && consumerId !== undefined && !registeredWithData.has(consumerId);
  });
  const documented =
    `the data a Click to Pay profile needs (${CLICK_TO_PAY_FIELDS.join(', ')}) reach D1, ` +
    "here through the issuer's Get Consumer Information answer";
  const judged = enrolsOfDatalessConsumers.map((e) => e.sequence);
  if (!view.consumerInformationVisible) {
    return [
      finding(
        'CONSUMER-REGISTER-CTP-PROFILE-DATA',
        'consumerInfo',
        documented,
        judged,
        [],
        'enrols of consumers registered without data',
        judged.length > 0 ? "D1's Get Consumer Information calls go straight to the issuer, out of the observer's sight" : undefined,
      ),
    ];
  }
  const departures = enrolsOfDatalessConsumers.flatMap((e): Departure[] => {
    const consumerId = owners.get(e.params.cardId ?? '') ?? '';
    const answers = view.consumerInformation.filter((c) => c.consumerId === consumerId);
    const served = answers.filter((c) => c.answeredStatus === 200);
    if (answers.length === 0) return [];
    if (served.length === 0) return [{ sequence: e.sequence, what: 'the issuer answered no consumer data to Get Consumer Information' }];
    const absent = missing(new Set(served[served.length - 1]?.fields), CLICK_TO_PAY_FIELDS);
    return absent.length > 0 ? [{ sequence: e.sequence, what: `the consumer data the issuer answered lack ${absent.join(', ')}` }] : [];
  });
  return [
    finding(
      'CONSUMER-REGISTER-CTP-PROFILE-DATA',
      'consumerInfo',
      documented,
      judged,
      departures,
      'enrols of consumers registered without data',
    ),
  ];
};

/** What D1 holds of each consumer as the calls go: the fields the issuer ever sent, and the values it stores. */
class ConsumerDataLedger {
  readonly known = new Map<string, Set<string>>();
  readonly stored = new Map<string, ConsumerData>();

  learn(exchange: ObservedExchange): void {
    const consumerId = exchange.params.consumerId;
    const data = consumerDataOf(exchange);
    if (!consumerId || !data || !accepted(exchange)) return;
    const fields = this.known.get(consumerId) ?? new Set<string>();
    for (const field of fieldsWithValue(data)) fields.add(field);
    this.known.set(consumerId, fields);
    // D1 stores what the Consumer API brings; a Click to Pay update goes to the directory, not to D1's copy.
    if (isOperation(exchange, 'registerConsumer', 'updateConsumer')) this.stored.set(consumerId, data);
  }
}

/**
 * CTP-UPDATE-CONSUMER-ALL-FIELDS: a Click to Pay consumer update that carries consumer data carries every field, the
 * unchanged ones too: each field a profile needs, and each the issuer sent for that consumer before. An update with
 * no consumer data (a reason only) changes none and is not judged.
 */
export const consumerUpdatesCarryEveryField: UsageCheck = (view) => {
  const ledger = new ConsumerDataLedger();
  const judged: number[] = [];
  const departures: Departure[] = [];
  for (const exchange of view.exchanges) {
    const data = consumerDataOf(exchange);
    if (isOperation(exchange, 'clickToPayUpdateConsumer') && data) {
      judged.push(exchange.sequence);
      const present = fieldsWithValue(data);
      const wanted = [...new Set([...CLICK_TO_PAY_FIELDS, ...(ledger.known.get(exchange.params.consumerId ?? '') ?? [])])];
      const absent = missing(present, wanted);
      if (absent.length > 0) departures.push({ sequence: exchange.sequence, what: `the update leaves out ${absent.join(', ')}` });
    }
    ledger.learn(exchange);
  }
  return [
    finding(
      'CTP-UPDATE-CONSUMER-ALL-FIELDS',
      'body /consumerInfo',
      'every consumer field in a Click to Pay consumer update, the unchanged ones included',
      judged,
      departures,
      'consumer updates carrying consumer data',
    ),
  ];
};

/**
 * CONSUMER-UPDATE-WHEN-STORED: when D1 stores a consumer's data (registered with them), a change of those data
 * reaches D1 through update consumer. A Click to Pay consumer update that changes a stored value, without update
 * consumer having brought D1 the same value first, leaves D1's copy out of date. A field merely left out is
 * CTP-UPDATE-CONSUMER-ALL-FIELDS's matter, not a change.
 */
export const storedDataKeptCurrent: UsageCheck = (view) => {
  const ledger = new ConsumerDataLedger();
  const judged: number[] = [];
  const departures: Departure[] = [];
  for (const exchange of view.exchanges) {
    const data = consumerDataOf(exchange);
    const stored = ledger.stored.get(exchange.params.consumerId ?? '');
    if (isOperation(exchange, 'clickToPayUpdateConsumer') && data && stored) {
      judged.push(exchange.sequence);
      const changed = Object.keys(data).filter((field) => field in stored && JSON.stringify(stored[field]) !== JSON.stringify(data[field]));
      if (changed.length > 0)
        departures.push({
          sequence: exchange.sequence,
          what: `${changed.join(', ')} changed through Click to Pay update consumer while D1 still stores the earlier value`,
        });
    }
    ledger.learn(exchange);
  }
  return [
    finding(
      'CONSUMER-UPDATE-WHEN-STORED',
      'sequence of calls',
      'a change of the consumer data D1 stores sent to D1 with update consumer',
      judged,
      departures,
      'Click to Pay updates of consumers whose data D1 stores',
    ),
  ];
};
