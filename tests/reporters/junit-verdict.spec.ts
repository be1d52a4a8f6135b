/**
 * The go-live verdict in the run's JUnit XML: one test case for the verdict, one per applicable row of the compliance
 * summary and one per finding, read back the way a CI reads them (libxml2), and the file checked against the JUnit
 * schema kept in the repository. The pure function is tried on hand-made summaries; a certification with a planted
 * bug shows the failed row and its rule as failed test cases in its reports/junit/results.xml.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { apis, rules, type RuleId } from '../../gen/catalogue.js';
import { issuerFaults } from '../../mocks/issuer/faults.js';
import type { CertifiedTest } from '../../reporters/certification.js';
import { summarise, type ComplianceSummary, type Finding } from '../../reporters/compliance-summary.js';
import {
  FINDINGS_CLASS,
  JUNIT_FILE,
  ROWS_CLASS,
  VERDICT_SUITE,
  verdictTestSuite,
  withVerdictSuite,
} from '../../reporters/junit-verdict.js';
import { runScript } from '../suites/suite-runner.js';
import { passingBankResult } from './bank-results.js';
import { junitSchemaErrors, xpath } from './junit-xml.js';

/** A received value with everything XML makes hard: markup, an entity, both quotes, controls, a CR, an unpaired surrogate. */
const HOSTILE = 'status 409 with body <b>"a" & \'b\'</b> ]]> bell\u0007 nul\u0000 cr\r\nlf tab\t end \uD800 and 😀';
/** How a CI reads it back: the controls XML cannot carry written as \uXXXX, the rest as it was. */
const HOSTILE_READ = 'status 409 with body <b>"a" & \'b\'</b> ]]> bell\\u0007 nul\\u0000 cr\r\nlf tab\t end \\uD800 and 😀';

// A documented rule of a bank-hosted conditional API, an inferred one, and a conditional row left without evidence.
const FAILING: RuleId = 'NOTIFY-CARD-DUPLICATES';
const WARNING: RuleId = 'CTP-ENROL-REPEAT';
const UNTESTED_ROW = 'issuer-get-consumer-info';
const NOT_APPLICABLE_ROW = 'consumer-update';

/** The results of a bank: every rule passes but the given ones fail with what was received; one row has no result. */
function bankResults(failing: Readonly<Partial<Record<RuleId, string>>>): CertifiedTest[] {
  return rules
    .filter((r) => r.api !== UNTESTED_ROW)
    .map((r): CertifiedTest => {
      const received = failing[r.id];
      if (received === undefined) return passingBankResult(r, 2);
      const failure = {
        ruleId: r.id,
        operationId: undefined,
        provenance: r.provenance,
        security: r.security === true,
        pointer: 'status',
        documented: 'status 204',
        received,
      };
      return { ...passingBankResult(r, 2), outcome: 'failed', failure };
    });
}

/** A contract departure no rule names: a warning, as the observer reports one. */
const DEPARTURE: Finding = {
  ruleId: 'contract:registerConsumer',
  api: 'consumer-register',
  apiName: 'Register consumer',
  provenance: 'inferred',
  security: false,
  test: 'observed registerConsumer',
  where: '/consumerInfo/language',
  documented: 'pattern ^[a-z]{2}$',
  received: '"EN" & <more>',
};

/** A NOT READY summary, made by hand: a documented failure, a warning, a contract departure, a row NOT TESTED. */
function notReady(): ComplianceSummary {
  const summary = summarise({
    tests: bankResults({ [FAILING]: HOSTILE, [WARNING]: 'status 500' }),
    apis,
    rules,
    applicableConditional: new Set(apis.filter((a) => a.category === 'conditional' && a.id !== NOT_APPLICABLE_ROW).map((a) => a.id)),
    seed: 42,
    targets: { d1: 'embedded mock D1', issuer: 'http://127.0.0.1:9/d1?a=1&b="2"' },
    subject: { kind: 'bank', issuerId: 'TESTBANK01', hosted: 'at http://127.0.0.1:9/d1', calls: 'observed: 40 calls' },
    now: new Date('2030-01-02T03:04:05Z'),
  });
  return { ...summary, warnings: [...summary.warnings, DEPARTURE] };
}

const suiteXml = (summary: ComplianceSummary): string => withVerdictSuite(undefined, summary);
const rowCase = (id: string): string =>
  `//testsuite[@name='${VERDICT_SUITE}']/testcase[@classname='${ROWS_CLASS}'][contains(@name, '(${id})')]`;
const findingCase = (id: string): string =>
  `//testsuite[@name='${VERDICT_SUITE}']/testcase[@classname='${FINDINGS_CLASS}'][starts-with(@name, '${id}')]`;

test('a failed row is a failed test case naming its rules, with documented against received read back as received', async () => {
  const summary = notReady();
  expect(summary.apis.find((a) => a.id === 'issuer-notify-card')).toMatchObject({ verdict: 'FAIL', failedRules: [FAILING] });
  const xml = suiteXml(summary);
  expect(await junitSchemaErrors(xml)).toEqual([]);
  expect(await xpath(xml, `string(${rowCase('issuer-notify-card')}/@name)`)).toBe('Notify card operations (issuer-notify-card)');
  expect(await xpath(xml, `string(${rowCase('issuer-notify-card')}/failure/@message)`)).toBe(`FAIL: ${FAILING}`);
  const details = await xpath(xml, `string(${rowCase('issuer-notify-card')}/failure)`);
  expect(details).toContain(`${FAILING} at status (documented rule)`);
  expect(details).toContain('documented: status 204');
  expect(details).toContain(`received:   ${HOSTILE_READ}`);
  // The finding is a failed test case of its own; its one-line message keeps line breaks and tabs, as references.
  expect(await xpath(xml, `string(${findingCase(FAILING)}/failure/@type)`)).toBe('documented rule');
  expect(await xpath(xml, `string(${findingCase(FAILING)}/failure/@message)`)).toBe(
    `${FAILING} at status: documented status 204; received ${HOSTILE_READ}`,
  );
  // Nothing the bank sent became markup: the only elements are JUnit's.
  expect(await xpath(xml, 'count(//b)')).toBe('0');
  // The targets, quotes and ampersand included, are properties of the suite.
  expect(await xpath(xml, `string(//testsuite[@name='${VERDICT_SUITE}']/properties/property[@name='issuer target']/@value)`)).toBe(
    'http://127.0.0.1:9/d1?a=1&b="2"',
  );
});

test('a row NOT TESTED is a skipped test case; a row not applicable has none; warnings pass with their text in system-out', async () => {
  const summary = notReady();
  expect(summary.apis.find((a) => a.id === UNTESTED_ROW)).toMatchObject({ verdict: 'NOT TESTED', applicable: true });
  const xml = suiteXml(summary);
  expect(await xpath(xml, `count(${rowCase(UNTESTED_ROW)}/skipped)`)).toBe('1');
  expect(await xpath(xml, `count(${rowCase(UNTESTED_ROW)}/failure)`)).toBe('0');
  expect(await xpath(xml, `string(${rowCase(UNTESTED_ROW)}/skipped/@message)`)).toBe("NOT TESTED: no test judged the bank's endpoint");
  expect(await xpath(xml, `count(${rowCase(NOT_APPLICABLE_ROW)})`)).toBe('0');
  expect(await xpath(xml, `count(//testcase[@classname='${ROWS_CLASS}'])`)).toBe(String(summary.apis.filter((a) => a.applicable).length));

  // An inferred rule warns: its row passes with warnings, its finding passes, both say so in system-out.
  expect(summary.apis.find((a) => a.id === 'ctp-enrol')).toMatchObject({ verdict: 'PASS WITH WARNINGS', warningRules: [WARNING] });
  expect(await xpath(xml, `count(${rowCase('ctp-enrol')}/failure | ${rowCase('ctp-enrol')}/skipped)`)).toBe('0');
  expect(await xpath(xml, `string(${rowCase('ctp-enrol')}/system-out)`)).toContain(`PASS WITH WARNINGS: ${WARNING}`);
  expect(await xpath(xml, `string(${rowCase('ctp-enrol')}/system-out)`)).toContain('received:   status 500');
  expect(await xpath(xml, `count(${findingCase(WARNING)}/failure)`)).toBe('0');
  expect(await xpath(xml, `string(${findingCase(WARNING)}/system-out)`)).toContain('warning, it does not fail the go-live');
  // A contract departure no rule names is a test case too, its received value intact.
  expect(await xpath(xml, `string(${findingCase('contract:registerConsumer')}/@name)`)).toBe(
    'contract:registerConsumer (Register consumer)',
  );
  expect(await xpath(xml, `string(${findingCase('contract:registerConsumer')}/system-out)`)).toContain('received:   "EN" & <more>');

  // The verdict itself: failed, its reasons in the message; the suite's counts are its test cases'.
  expect(await xpath(xml, `string(//testcase[@name='${VERDICT_SUITE}']/failure/@type)`)).toBe('NOT READY');
  expect(await xpath(xml, `string(//testcase[@name='${VERDICT_SUITE}']/failure/@message)`)).toBe(
    `NOT READY: ${summary.reasons.join('; ')}`,
  );
  const suite = `//testsuite[@name='${VERDICT_SUITE}']`;
  for (const [attribute, counted] of [
    ['tests', 'testcase'],
    ['failures', 'testcase/failure'],
    ['skipped', 'testcase/skipped'],
    ['errors', 'testcase/error'],
  ] as const) {
    expect(await xpath(xml, `string(${suite}/@${attribute})`), attribute).toBe(await xpath(xml, `count(${suite}/${counted})`));
  }
});

test('a READY verdict passes and an INCONCLUSIVE one is in error; the names stay the same from run to run', async () => {
  const ready = summarise({
    tests: rules.map((r) => passingBankResult(r, 2)),
    apis,
    rules,
    applicableConditional: new Set(),
    seed: 7,
    targets: { d1: 'embedded mock D1', issuer: 'embedded reference issuer' },
    subject: { kind: 'reference-pair', issuerId: 'TESTBANK01', hosted: 'the embedded reference issuer', calls: 'observed' },
  });
  expect(ready.verdict).toBe('READY');
  const readyXml = suiteXml(ready);
  expect(await junitSchemaErrors(readyXml)).toEqual([]);
  expect(await xpath(readyXml, 'count(//failure | //error | //skipped)')).toBe('0');
  const inconclusive: ComplianceSummary = {
    ...ready,
    verdict: 'INCONCLUSIVE',
    reasons: ['inconclusive: the bank could not answer 2 tests'],
  };
  const inconclusiveXml = suiteXml(inconclusive);
  expect(await xpath(inconclusiveXml, `string(//testcase[@name='${VERDICT_SUITE}']/error/@type)`)).toBe('INCONCLUSIVE');
  expect(await xpath(inconclusiveXml, `string(//testsuite[@name='${VERDICT_SUITE}']/@errors)`)).toBe('1');
  // A CI follows a test case by its class and name: neither holds the verdict, the seed or the date.
  const names = (xml: string): string[] => [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"/g)].map((m) => `${m[2]}/${m[1]}`);
  expect(names(readyXml)).toContain(`${VERDICT_SUITE}/${VERDICT_SUITE}`);
  expect(names(verdictTestSuite(notReady()))).toEqual(expect.arrayContaining(names(readyXml)));
});

test("the verdict's suite joins Playwright's report: the root counts it, and a second conclusion replaces it", async () => {
  const playwright = [
    '<testsuites id="" name="" tests="2" failures="1" skipped="0" errors="1" time="5.5">',
    '<testsuite name="suites/issuer/notifications.spec.ts" timestamp="2030-01-02T03:04:05.000Z" hostname="issuer" tests="2" failures="1" ' +
      'skipped="0" time="0.3" errors="1">',
    '<testcase name="a" classname="suites/issuer/notifications.spec.ts" time="0.1">',
    '<failure message="x" type="FAILURE">',
    '<![CDATA[</testsuites> in a message]]>',
    '</failure>',
    '</testcase>',
    '<testcase name="b" classname="suites/issuer/notifications.spec.ts" time="0.2">',
    '<error message="y" type="Error">',
    '</error>',
    '</testcase>',
    '</testsuite>',
    '</testsuites>',
  ].join('\n');
  const summary = notReady();
  const once = withVerdictSuite(playwright, summary);
  expect(await junitSchemaErrors(once)).toEqual([]);
  expect(withVerdictSuite(once, summary)).toBe(once);
  for (const attribute of ['tests', 'failures', 'skipped', 'errors']) {
    const total = await xpath(once, `string(/testsuites/@${attribute})`);
    expect(total, attribute).toBe(await xpath(once, `string(sum(/testsuites/testsuite/@${attribute}))`));
  }
  expect(await xpath(once, 'count(/testsuites/testsuite)')).toBe('2');
  expect(await xpath(once, "string(//testcase[@name='a']/failure)")).toContain('</testsuites> in a message');
  // A run that left no JUnit XML gets one of the verdict alone.
  expect(await junitSchemaErrors(withVerdictSuite(undefined, summary))).toEqual([]);
  expect(await xpath(withVerdictSuite('', summary), 'count(/testsuites/testsuite)')).toBe('1');
});

test('a certification with a planted bug: its JUnit XML holds the failed row and rule as failed test cases, schema-valid', async () => {
  test.setTimeout(180_000);
  const fault = 'duplicate-card-notification-conflict' satisfies keyof typeof issuerFaults;
  const rule = issuerFaults[fault].rule;
  const reports = mkdtempSync(path.join(tmpdir(), 'junit-verdict-'));
  // The tests of the planted rule alone: the bank's other endpoints stay NOT TESTED, which the verdict says too.
  const run = runScript('certify', ['--grep', `@${rule}(?![A-Z0-9-])`, `--output=${path.join(reports, 'output')}`], {
    CERTIFY_REPORTS_DIR: reports,
    MOCK_ISSUER_FAULTS: fault,
    SEED: '11',
  });
  expect(run.code, run.stderr.slice(-2000)).toBe(1);
  const xml = readFileSync(path.join(reports, JUNIT_FILE), 'utf8');
  expect(await junitSchemaErrors(xml)).toEqual([]);
  const summary = JSON.parse(readFileSync(path.join(reports, 'compliance-summary.json'), 'utf8')) as ComplianceSummary;
  const finding = summary.failures.find((f) => f.ruleId === rule);
  expect(finding).toBeDefined();

  // Playwright's own test case of the rule failed, and the verdict's suite says what that means for the go-live.
  expect(Number(await xpath(xml, `count(//testsuite[@name!='${VERDICT_SUITE}']/testcase[failure or error])`))).toBeGreaterThan(0);
  expect(await xpath(xml, `string(//testcase[@name='${VERDICT_SUITE}']/failure/@type)`)).toBe('NOT READY');
  expect(await xpath(xml, `string(${rowCase('issuer-notify-card')}/failure/@message)`)).toBe(`FAIL: ${rule}`);
  const details = await xpath(xml, `string(${rowCase('issuer-notify-card')}/failure)`);
  expect(details).toContain(`documented: ${finding?.documented ?? '?'}`);
  expect(details).toContain(`received:   ${finding?.received ?? '?'}`);
  expect(await xpath(xml, `count(${findingCase(rule)}/failure)`)).toBe('1');
  // The bank endpoints the run left alone are skipped, not passed.
  expect(await xpath(xml, `count(${rowCase('issuer-notify-consumer')}/skipped)`)).toBe('1');
  expect(await xpath(xml, `count(${rowCase('ctp-enrol')}/failure | ${rowCase('ctp-enrol')}/skipped)`)).toBe('0');
  for (const attribute of ['tests', 'failures', 'skipped', 'errors']) {
    const total = await xpath(xml, `string(/testsuites/@${attribute})`);
    expect(total, attribute).toBe(await xpath(xml, `string(sum(/testsuites/testsuite/@${attribute}))`));
  }
});
