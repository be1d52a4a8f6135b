/**
 * The evidence an observation writes: Allure results, the certification-format results the certify command merges,
 * and the compliance summary of the issuer's client side, valid against its schema and free of every secret and
 * piece of personal data the session carried.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { fromRoot } from '../../lib/paths.js';
import { keepOnlyObservationResults, readObservation, writeObservationEvidence } from '../../observer/index.js';
import type { CertificationResults } from '../../reporters/certification.js';
import { ruleOutcomes, type ComplianceSummary } from '../../reporters/compliance-summary.js';
import { expect, test } from './observer-fixtures.js';
import { CARDHOLDER_NAME, PAN, PERSON, uniqueId } from '../../mocks/issuer/reference-client.js';

interface AllureResult {
  readonly name: string;
  readonly status: string;
  readonly labels: readonly { name: string; value: string }[];
  readonly attachments: readonly { source: string }[];
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });

test('an observation writes Allure results, certification results and a valid summary; they and its journal hold no secret', async ({
  observer,
  client,
  issuer,
  issuerKeys,
}) => {
  const reports = mkdtempSync(path.join(tmpdir(), 'observation-'));
  const { consumerId, cardIds } = await issuer.journey(observer.mockD1?.cardDataJwk ?? {});
  // Bad calls that carry personal data where the evidence shows things: correlation ids, a path, a long name.
  await issuer.call('clickToPayGetConsumerProfiles', {
    path: { consumerId },
    headers: { 'x-correlation-id': `${PERSON.lastName.toLowerCase()}-${PERSON.firstName.toUpperCase()}` },
  });
  await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId }, headers: { 'x-correlation-id': PAN } });
  await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId }, headers: { 'x-correlation-id': PERSON.mobilePhoneNumber } });
  // An opaque token fits the correlation id's pattern, and no key or pattern of the product's redaction recognises it there.
  await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId }, headers: { 'x-correlation-id': await client.token() } });
  await issuer.call('clickToPayEnrol', { path: { cardId: cardIds[0] ?? '' }, body: { name: `${CARDHOLDER_NAME} Ferreira-Lopes` } });
  await issuer.call('registerCard', { path: { cardId: PAN }, body: { consumerId: uniqueId('cns'), encryptedData: 'x' } });
  const evidence = await observer.stop();

  const written = writeObservationEvidence(evidence, reports);
  // Written twice into one directory, the observation replaces its own Allure results rather than adding to them.
  writeObservationEvidence(evidence, reports);

  const allureDir = path.join(reports, 'allure-results');
  const results = readdirSync(allureDir)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(path.join(allureDir, f), 'utf8')) as AllureResult);
  expect(results).toHaveLength(evidence.results.length);
  const operation = results.find((r) => r.name.startsWith('observed clickToPayEnrol'));
  const label = (result: AllureResult | undefined, name: string): string[] =>
    (result?.labels ?? []).filter((l) => l.name === name).map((l) => l.value);
  expect(operation?.status).toBe('failed');
  expect(label(operation, 'epic')).toEqual(['D1 Click to Pay']);
  expect(label(operation, 'feature')).toEqual(['Click to Pay enrol']);
  expect(label(operation, 'severity')).toEqual(['critical']);
  expect(label(operation, 'story')).toEqual(expect.arrayContaining([expect.stringMatching(/^CTP-ENROL-NAME-LENGTH: /)]));
  const reuse = results.find((r) => r.name === 'observed usage: D1-TOKEN-REUSE');
  expect(reuse?.status).toBe('passed');
  expect(label(reuse, 'feature')).toEqual(['Get authorization token']);
  for (const result of results) for (const attachment of result.attachments) expect(readdirSync(allureDir)).toContain(attachment.source);
  expect((operation?.attachments ?? []).length).toBeGreaterThan(0);

  const certification = JSON.parse(readFileSync(written.resultsFile, 'utf8')) as CertificationResults;
  expect(certification.tests.every((t) => t.project === 'observe')).toBe(true);
  expect(certification.documentedFailures).toBeGreaterThan(0);
  expect(readObservation(reports)).toEqual(certification.tests);
  expect(readObservation(path.join(reports, 'nowhere'))).toBeUndefined();
  const outcomes = ruleOutcomes(certification.tests);
  expect([
    outcomes.get('CTP-ENROL-NAME-LENGTH'),
    outcomes.get('CONSUMER-REGISTER-CORRELATIONID-NO-PII'),
    outcomes.get('CARD-REGISTER-CARDID-NOT-PAN'),
  ]).toEqual(['failed', 'failed', 'failed']);

  const summary = JSON.parse(readFileSync(written.summaryFile, 'utf8')) as ComplianceSummary;
  const ajv = new Ajv({ allErrors: true });
  ajvFormats.default(ajv);
  expect(
    ajv.validate(JSON.parse(readFileSync(fromRoot('reporters', 'compliance-summary.schema.json'), 'utf8')) as object, summary),
    ajv.errorsText(),
  ).toBe(true);
  expect(summary.apis.find((a) => a.id === 'ctp-enrol')?.failedRules).toContain('CTP-ENROL-NAME-LENGTH');
  expect(summary.apis.find((a) => a.id === 'card-get-operations')?.verdict).toBe('NOT TESTED');
  expect(readFileSync(path.join(reports, 'observation', 'compliance-summary.md'), 'utf8')).toBe(written.markdown);

  const privateKeyBody = issuerKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().split('\n')[1] ?? '';
  const forbidden: Record<string, string> = {
    'access token': client.tokens[0] ?? 'no token',
    assertion: client.assertions[0] ?? 'no assertion',
    'assertion signature': (client.assertions[0] ?? '').split('.')[2] ?? 'no signature',
    'private key': privateKeyBody,
    PAN,
    'first name': PERSON.firstName,
    'last name': PERSON.lastName,
    email: PERSON.email,
    'email local part': PERSON.email.split('@')[0] ?? '',
    phone: PERSON.mobilePhoneNumber,
    'long name': 'Ferreira',
  };
  expect(client.tokens.length).toBeGreaterThan(0);
  // The journal is swept too: it is written as calls arrive, before any of the evidence.
  expect(readFileSync(observer.journal, 'utf8')).toContain('"t":"call"');
  const leaks = [...filesUnder(reports), observer.journal].flatMap((file) => {
    const text = readFileSync(file, 'utf8').toLowerCase();
    return Object.entries(forbidden)
      .filter(([, value]) => text.includes(value.toLowerCase()))
      .map(([what]) => `${what} in ${path.basename(file)}`);
  });
  expect(leaks).toEqual([]);
});

test("clearing a results directory for a certification run keeps the observation's results and their attachments", async ({
  observer,
  issuer,
}) => {
  const reports = mkdtempSync(path.join(tmpdir(), 'observation-'));
  await issuer.registerConsumer();
  writeObservationEvidence(await observer.stop(), reports);
  const allureDir = path.join(reports, 'allure-results');
  const observationFiles = readdirSync(allureDir).sort();
  writeFileSync(
    path.join(allureDir, 'aaaa-result.json'),
    JSON.stringify({
      name: 'a suite test',
      labels: [{ name: 'tag', value: 'mandatory' }],
      attachments: [{ source: 'aaaa-attachment.txt' }],
    }),
  );
  writeFileSync(path.join(allureDir, 'aaaa-attachment.txt'), 'exchange');
  writeFileSync(path.join(allureDir, 'environment.properties'), 'seed=1');
  keepOnlyObservationResults(allureDir);
  expect(readdirSync(allureDir).sort()).toEqual(observationFiles);
  expect(observationFiles.some((f) => f.endsWith('-attachment.txt'))).toBe(true);
});
