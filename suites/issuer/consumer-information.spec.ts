/**
 * Get Consumer Information, called as D1 calls it when it does not hold a consumer's data: a known consumer gets
 * 200 with consumerInfo, an unknown one 404, a malformed request 400, and with OAuth a request without a valid
 * bearer token 401.
 */
import { operations } from '../../gen/operations.js';
import { holds, knownRule, notServed, responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import { REDACTED, isSensitiveKey } from '../../lib/redaction.js';
import { validateResponse } from '../../lib/validation/index.js';
import { test, expect, rule, uniqueId, type IssuerParty } from '../../fixtures/index.js';
import type { HttpResponse } from '../../lib/http/client.js';
import { breakingRequest, documentedRequest, shownValue, valueAt } from '../../fixtures/requests.js';
import { sendToIssuer, withoutSecrets } from './issuer-requests.js';

const OP = 'getConsumerInformation';
const entry = operations[OP];

test.describe('consumer information', () => {
  test(
    'a known consumer is answered 200 with consumerInfo as the contract describes it',
    rule('CONSUMER-INFO-KNOWN-CONSUMER', 'CONSUMER-INFO-CONSUMERINFO-REQUIRED', 'CONSUMER-INFO-CONSUMERINFO-TYPE'),
    async ({ issuer }) => {
      const response = await issuer.consumerInformation(issuer.knownConsumerId);
      statusIs('CONSUMER-INFO-KNOWN-CONSUMER', withoutSecrets(response), 200);
      responseConformsToContract(OP, response);
    },
  );

  test('a consumer the issuer does not know is answered 404', rule('CONSUMER-INFO-UNKNOWN-CONSUMER'), async ({ issuer }) => {
    // Well formed, so that only the consumer being unknown can explain the answer.
    const response = await issuer.consumerInformation(uniqueId('cns_unknown'));
    statusIs('CONSUMER-INFO-UNKNOWN-CONSUMER', withoutSecrets(response), 404);
    responseConformsToContract(OP, response);
  });

  test(
    'a consumerId with a character outside its pattern (a.b) is answered 400',
    rule('CONSUMER-INFO-BAD-REQUEST', 'CONSUMER-INFO-CONSUMERID-PATTERN'),
    async ({ issuer }) => {
      const response = await issuer.consumerInformation('a.b');
      statusIs('CONSUMER-INFO-BAD-REQUEST', withoutSecrets(response), 400);
      responseConformsToContract(OP, response);
    },
  );

  test(
    'the cardId query D1 adds when enabled at onboarding still gets 200',
    rule('CONSUMER-INFO-CARDID-ONBOARDING', 'CONSUMER-INFO-KNOWN-CONSUMER'),
    async ({ issuer }) => {
      // The card D1 enrols is one the bank issued: the known one when configured.
      const response = await issuer.consumerInformation(issuer.knownConsumerId, { query: { cardId: issuer.cardId } });
      statusIs('CONSUMER-INFO-CARDID-ONBOARDING', withoutSecrets(response), 200);
      responseConformsToContract(OP, response);
    },
  );

  for (const [credentials, token] of [
    ['without a bearer token', null],
    ['with a token the issuer never granted', 'not-granted'],
  ] as const) {
    const send = (issuer: IssuerParty): Promise<HttpResponse> =>
      issuer.consumerInformation(issuer.knownConsumerId, { token: token === null ? null : uniqueId(token) });

    test(`a request ${credentials} is not served`, rule('CONSUMER-INFO-AUTH-REJECT'), async ({ issuer }) => {
      test.skip(!issuer.usesOAuth, 'the issuer does not use OAuth: D1 calls it without a token');
      notServed('CONSUMER-INFO-AUTH-REJECT', withoutSecrets(await send(issuer)), "the consumer's personal data");
    });

    test(`a request ${credentials} is refused with 401`, rule('CONSUMER-INFO-AUTH-401'), async ({ issuer }) => {
      test.skip(!issuer.usesOAuth, 'the issuer does not use OAuth: D1 calls it without a token');
      const response = await send(issuer);
      // Served at all is the security rule's failure, reported once, there.
      test.skip(response.status < 300, 'not refused at all: CONSUMER-INFO-AUTH-REJECT judges it');
      statusIs('CONSUMER-INFO-AUTH-401', withoutSecrets(response), 401);
      responseConformsToContract(OP, response);
    });
  }

  test(
    "a Click to Pay consumer's information gives an email and a mobile number",
    rule('CONSUMER-INFO-CTP-CONTACT'),
    async ({ issuer }) => {
      const response = await issuer.consumerInformation(issuer.knownConsumerId);
      statusIs('CONSUMER-INFO-KNOWN-CONSUMER', withoutSecrets(response), 200);
      for (const pointer of ['/consumerInfo/email', '/consumerInfo/mobilePhoneNumber']) {
        const value = valueAt(response.json, pointer);
        holds('CONSUMER-INFO-CTP-CONTACT', value !== undefined, pointer, 'present', 'absent');
      }
      responseConformsToContract(OP, response);
    },
  );
});

// One test a response field rule, so that each rule gets its own verdict with its own provenance: an inferred field
// (email, mobilePhoneNumber) that fails is a warning, while the documented language, firstName and lastName are not.
// The test above checks the whole answer against the contract.
test.describe("the known consumer's answer keeps each field rule", () => {
  for (const [id, field] of Object.entries(entry.fields)) {
    const ruleId = knownRule(id);
    if (field.in !== 'response' || field.status !== '200') continue;
    test(`${ruleId}: ${field.pointer} keeps its ${field.keyword}`, rule(ruleId, 'CONSUMER-INFO-KNOWN-CONSUMER'), async ({ issuer }) => {
      const response = await issuer.consumerInformation(issuer.knownConsumerId);
      statusIs('CONSUMER-INFO-KNOWN-CONSUMER', withoutSecrets(response), 200);
      const present = valueAt(response.json, field.pointer) !== undefined;
      test.skip(
        !present && field.keyword !== 'required',
        `the known consumer has no ${field.pointer}, so its ${field.keyword} cannot be seen`,
      );
      const broken = validateResponse(OP, { status: response.status, headers: response.headers, body: response.json }).find(
        (v) => v.ruleId === ruleId,
      );
      // A name, an email or a phone number is personal data: the report says which rule it breaks, not the value.
      const received =
        broken && isSensitiveKey(field.pointer.split('/').pop() ?? '') ? `${REDACTED} (personal data)` : (broken?.received ?? '');
      holds(ruleId, broken === undefined, broken?.pointer ?? field.pointer, broken?.documented ?? field.keyword, received);
    });
  }
});

// The request field rules say what D1 sends; answering 400 to anything else is the inferred CONSUMER-INFO-BAD-REQUEST,
// which therefore comes first (a bank that answers otherwise gets a warning, not a failed certification).
test.describe('getConsumerInformation refuses each broken request field', () => {
  // The control: unbroken, the same request is served, so a 400 below is the broken field's doing.
  test(
    "the contract's example request for the known consumer is answered 200",
    rule('CONSUMER-INFO-KNOWN-CONSUMER'),
    async ({ issuer, targets }) => {
      const request = documentedRequest(OP, issuer.issuerId);
      request.path.consumerId = issuer.knownConsumerId;
      const response = await sendToIssuer(targets, issuer, OP, request);
      statusIs('CONSUMER-INFO-KNOWN-CONSUMER', withoutSecrets(response), 200);
      responseConformsToContract(OP, response);
    },
  );

  for (const [id, field] of Object.entries(entry.fields)) {
    const ruleId = knownRule(id);
    if (field.in === 'response') continue;
    test(
      `${ruleId}: ${field.in} ${field.pointer} breaking its ${field.keyword} is answered 400`,
      rule('CONSUMER-INFO-BAD-REQUEST', ruleId),
      async ({ issuer, targets }) => {
        const request = documentedRequest(OP, issuer.issuerId);
        request.path.consumerId = issuer.knownConsumerId;
        const broken = breakingRequest(OP, ruleId, request);
        expect(broken, 'the contract gives a value that breaks this rule').toBeDefined();
        if (!broken) return;
        test
          .info()
          .annotations.push({ type: 'sent', description: `${field.in} ${field.pointer} = ${shownValue(field.pointer, broken.value)}` });
        const response = await sendToIssuer(targets, issuer, OP, broken.request);
        statusIs('CONSUMER-INFO-BAD-REQUEST', withoutSecrets(response), 400);
        responseConformsToContract(OP, response);
      },
    );
  }
});
