/**
 * Usage rules about the consumer data the issuer gives D1: which fields a registration carries, what a Click to Pay
 * profile gets, that a Click to Pay consumer update carries every field, and that data D1 stores are kept current
 * through update consumer. Each reads the consumer data as consumer-data.ts does (consumerInfo, or personalInformation),
 * and reports field names, never values.
 */
import { answeredObject, requestObject, type ObservedExchange } from './observed-exchange.js';
import { accepted, CLICK_TO_PAY_FIELDS, consumerDataOf, fieldsWithValue, PHONE_FIELDS, type ConsumerData } from './consumer-data.js';
import { Cases, Departures, finding, isOperation, type Departure, type UsageCheck } from './usage-finding.js';

const missing = (present: ReadonlySet<string>, wanted: readonly string[]): string[] => wanted.filter((field) => !present.has(field));
const hasPhone = (present: ReadonlySet<string>): boolean => PHONE_FIELDS.some((field) => present.has(field));

/**
 * CONSUMER-REGISTER-RECOMMENDED-FIELDS and CONSUMER-REGISTER-CTP-FIELDS, on each registration that carries consumer
 * data (one without is CONSUMER-REGISTER-WITHOUT-DATA's way, and D1 asks later). One missing field, one failed rule:
 * names, email and a phone number are the recommended fields; what Click to Pay needs on top is the language and the
 * phone as mobilePhoneNumber. The postal address is recommended too, but no document publishes its member, so it is
 * not judged.
 */
export const consumerRegistrationsCarryTheirFields: UsageCheck = () => {
  const judged = new Cases();
  const recommended = new Departures();
  const clickToPay = new Departures();
  return {
    call(exchange) {
      const data = isOperation(exchange, 'registerConsumer') ? consumerDataOf(exchange) : undefined;
      if (!data) return;
      judged.add(exchange.sequence);
      const present = fieldsWithValue(data);
      const absent = [...missing(present, ['firstName', 'lastName', 'email']), ...(hasPhone(present) ? [] : ['a phone number'])];
      if (absent.length > 0) recommended.add({ sequence: exchange.sequence, what: `the consumer data lack ${absent.join(', ')}` });
      const forClickToPay = [
        ...missing(present, ['language']),
        ...(hasPhone(present) && !present.has('mobilePhoneNumber') ? ['mobilePhoneNumber (the phone is under another name)'] : []),
      ];
      if (forClickToPay.length > 0)
        clickToPay.add({ sequence: exchange.sequence, what: `the consumer data lack ${forClickToPay.join(', ')}` });
    },
    finish: () => [
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
    ],
  };
};

/** The cases of several cards as one, in call order: the first few of all are among the first few of each. */
function merged(parts: readonly Cases[]): Cases {
  const all = new Cases();
  for (const sequence of parts.flatMap((part) => part.sample).sort((a, b) => a - b)) all.add(sequence);
  all.count = parts.reduce((sum, part) => sum + part.count, 0);
  return all;
}

/** What the issuer answered D1's Get Consumer Information about one consumer, reduced to what the rule reads. */
interface ConsumerInformationSeen {
  /** The fields of the last answer that served data (status 200); undefined while none did. */
  served: readonly string[] | undefined;
}

/**
 * CONSUMER-REGISTER-CTP-PROFILE-DATA, for the consumers registered without data whose card the issuer enrols: D1
 * gets their data from the issuer's Get Consumer Information answer, which must hold every field a profile needs. A
 * consumer registered with data is judged by the registration rules above, once.
 *
 * Whose card it is, whether its consumer was ever registered with data and what the issuer answered are known only
 * once the observation ends (an owner may be named, or data sent, after the enrol), so the enrols are kept by card
 * and judged in finish.
 */
export const clickToPayProfilesGetTheirData: UsageCheck = (setup) => {
  const owners = new Map<string, string>();
  const registeredWithData = new Set<string>();
  const enrolsByCard = new Map<string, Cases>();
  const answers = new Map<string, ConsumerInformationSeen>();
  const documented =
    `the data a Click to Pay profile needs (${CLICK_TO_PAY_FIELDS.join(', ')}) reach D1, ` +
    "here through the issuer's Get Consumer Information answer";
  return {
    call(exchange) {
      if (isOperation(exchange, 'createCard', 'registerCard') && accepted(exchange)) {
        const cardId = exchange.params.cardId ?? answeredObject(exchange)?.cardId;
        const consumerId = requestObject(exchange)?.consumerId;
        if (typeof cardId === 'string' && typeof consumerId === 'string') owners.set(cardId, consumerId);
      }
      if (
        isOperation(exchange, 'registerConsumer', 'updateConsumer') &&
        consumerDataOf(exchange) &&
        exchange.params.consumerId !== undefined
      )
        registeredWithData.add(exchange.params.consumerId);
      if (isOperation(exchange, 'clickToPayEnrol') && accepted(exchange)) {
        const cardId = exchange.params.cardId ?? '';
        const enrols = enrolsByCard.get(cardId) ?? new Cases();
        enrols.add(exchange.sequence);
        enrolsByCard.set(cardId, enrols);
      }
    },
    consumerInformation(answer) {
      const seen = answers.get(answer.consumerId) ?? { served: undefined };
      if (answer.answeredStatus === 200) seen.served = [...answer.fields];
      answers.set(answer.consumerId, seen);
    },
    finish: () => {
      const enrolsOfDatalessConsumers = [...enrolsByCard].flatMap(([cardId, enrols]) => {
        const consumerId = owners.get(cardId);
        return consumerId !== undefined && !registeredWithData.has(consumerId) ? [{ consumerId, enrols }] : [];
      });
      const judged = merged(enrolsOfDatalessConsumers.map(({ enrols }) => enrols));
      if (!setup.consumerInformationVisible) {
        return [
          finding(
            'CONSUMER-REGISTER-CTP-PROFILE-DATA',
            'consumerInfo',
            documented,
            judged,
            [],
            'enrols of consumers registered without data',
            judged.count > 0 ? "D1's Get Consumer Information calls go straight to the issuer, out of the observer's sight" : undefined,
          ),
        ];
      }
      const departing = enrolsOfDatalessConsumers.flatMap(({ consumerId, enrols }) => {
        const seen = answers.get(consumerId);
        if (!seen) return [];
        if (!seen.served) return [{ enrols, what: 'the issuer answered no consumer data to Get Consumer Information' }];
        const absent = missing(new Set(seen.served), CLICK_TO_PAY_FIELDS);
        return absent.length > 0 ? [{ enrols, what: `the consumer data the issuer answered lack ${absent.join(', ')}` }] : [];
      });
      const departures = new Departures();
      const first = departing.flatMap(({ enrols, what }): Departure[] => enrols.sample.map((sequence) => ({ sequence, what })));
      for (const departure of first.sort((a, b) => a.sequence - b.sequence)) departures.add(departure);
      departures.count = departing.reduce((sum, { enrols }) => sum + enrols.count, 0);
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
    },
  };
};

/** The consumer and data an accepted call brought D1; undefined when it brought none. */
function dataBrought(exchange: ObservedExchange): { consumerId: string; data: ConsumerData } | undefined {
  const consumerId = exchange.params.consumerId;
  const data = consumerDataOf(exchange);
  return consumerId && data && accepted(exchange) ? { consumerId, data } : undefined;
}

/**
 * CTP-UPDATE-CONSUMER-ALL-FIELDS: a Click to Pay consumer update that carries consumer data carries every field, the
 * unchanged ones too: each field a profile needs, and each the issuer sent for that consumer before. An update with
 * no consumer data (a reason only) changes none and is not judged.
 */
export const consumerUpdatesCarryEveryField: UsageCheck = () => {
  /** The fields the issuer ever sent with a value, by consumer. */
  const known = new Map<string, Set<string>>();
  const judged = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      const data = consumerDataOf(exchange);
      if (isOperation(exchange, 'clickToPayUpdateConsumer') && data) {
        judged.add(exchange.sequence);
        const present = fieldsWithValue(data);
        const wanted = [...new Set([...CLICK_TO_PAY_FIELDS, ...(known.get(exchange.params.consumerId ?? '') ?? [])])];
        const absent = missing(present, wanted);
        if (absent.length > 0) departures.add({ sequence: exchange.sequence, what: `the update leaves out ${absent.join(', ')}` });
      }
      const brought = dataBrought(exchange);
      if (!brought) return;
      const fields = known.get(brought.consumerId) ?? new Set<string>();
      for (const field of fieldsWithValue(brought.data)) fields.add(field);
      known.set(brought.consumerId, fields);
    },
    finish: () => [
      finding(
        'CTP-UPDATE-CONSUMER-ALL-FIELDS',
        'body /consumerInfo',
        'every consumer field in a Click to Pay consumer update, the unchanged ones included',
        judged,
        departures,
        'consumer updates carrying consumer data',
      ),
    ],
  };
};

/**
 * CONSUMER-UPDATE-WHEN-STORED: when D1 stores a consumer's data (registered with them), a change of those data
 * reaches D1 through update consumer. A Click to Pay consumer update that changes a stored value, without update
 * consumer having brought D1 the same value first, leaves D1's copy out of date. A field merely left out is
 * CTP-UPDATE-CONSUMER-ALL-FIELDS's matter, not a change. Values compare as their keyed hashes, equal when the values are.
 */
export const storedDataKeptCurrent: UsageCheck = () => {
  /** The consumer data D1 holds, by consumer. */
  const stored = new Map<string, ConsumerData>();
  const judged = new Cases();
  const departures = new Departures();
  return {
    call(exchange) {
      const data = consumerDataOf(exchange);
      const held = stored.get(exchange.params.consumerId ?? '');
      if (isOperation(exchange, 'clickToPayUpdateConsumer') && data && held) {
        judged.add(exchange.sequence);
        const changed = Object.keys(data).filter((field) => field in held && JSON.stringify(held[field]) !== JSON.stringify(data[field]));
        if (changed.length > 0)
          departures.add({
            sequence: exchange.sequence,
            what: `${changed.join(', ')} changed through Click to Pay update consumer while D1 still stores the earlier value`,
          });
      }
      const brought = dataBrought(exchange);
      // D1 stores what the Consumer API brings; a Click to Pay update goes to the directory, not to D1's copy.
      if (brought && isOperation(exchange, 'registerConsumer', 'updateConsumer')) stored.set(brought.consumerId, brought.data);
    },
    finish: () => [
      finding(
        'CONSUMER-UPDATE-WHEN-STORED',
        'sequence of calls',
        'a change of the consumer data D1 stores sent to D1 with update consumer',
        judged,
        departures,
        'Click to Pay updates of consumers whose data D1 stores',
      ),
    ],
  };
};
