/**
 * lib/config: every command and mock parses its values one way, and a wrong one is a ConfigurationError whose one
 * line names the option or variable it came from.
 */
import { test, expect } from '@playwright/test';
import { conditionalApis, CONDITIONAL_APIS } from '../../lib/config/conditional-apis.js';
import { ConfigurationError } from '../../lib/config/errors.js';
import { httpUrl, issuerId, numberAtLeast, port, positiveInteger, wholeNumber } from '../../lib/config/values.js';

const refusal = (parse: () => unknown): string => {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('the value was accepted');
};

test('an http or https URL is kept without its trailing slashes; anything else is refused with one message', () => {
  expect(httpUrl('https://d1.example/banking//', 'D1_BASE_URL')).toBe('https://d1.example/banking');
  expect(httpUrl('http://127.0.0.1:4010', '--upstream')).toBe('http://127.0.0.1:4010');
  for (const value of ['api.d1.example', 'ftp://d1.example', 'not a url', ''])
    expect(refusal(() => httpUrl(value, '--upstream'))).toBe(`--upstream must be an http or https URL, got "${value}"`);
});

test('an issuerId has exactly 10 characters, counted as code points', () => {
  expect(issuerId('TESTBANK01', '--issuer-id')).toBe('TESTBANK01');
  expect(issuerId('BANQUEÉ001', '--issuer-id')).toBe('BANQUEÉ001');
  expect(refusal(() => issuerId('TESTBANK0', 'D1_ISSUER_ID'))).toBe(
    'D1_ISSUER_ID must be exactly 10 characters (D1 issuer ids are), got 9',
  );
});

test('a port is 0 to 65535, 0 when absent; numbers are refused outside their range or when not whole', () => {
  expect([port(undefined, '--port'), port('8080', '--port'), port(0, 'port')]).toEqual([0, 8080, 0]);
  for (const value of ['eighty', '-1', '65536', '80.5', ''])
    expect(refusal(() => port(value, '--port'))).toBe(`--port must be a port number from 0 to 65535, got "${value}"`);
  expect(refusal(() => wholeNumber('0', 'NUM_RUNS', 1, 1_000_000))).toBe('NUM_RUNS must be a whole number from 1 to 1000000, got "0"');
  expect(refusal(() => positiveInteger('1.5', '--rounds'))).toBe('--rounds must be a whole number of 1 or more, got "1.5"');
  expect(numberAtLeast('0.25', '--duration', { min: 0.1 })).toBe(0.25);
  expect(refusal(() => numberAtLeast('0', '--duration', { min: 0.1 }))).toBe('--duration must be a number of 0.1 or more, got "0"');
});

test('CERTIFY_CONDITIONAL_APIS: all by default, none, or a list of conditional rows; any other id is refused', () => {
  expect([...conditionalApis(undefined)]).toEqual(CONDITIONAL_APIS);
  expect([...conditionalApis(' all ')]).toEqual(CONDITIONAL_APIS);
  expect(conditionalApis('none').size).toBe(0);
  const [first] = CONDITIONAL_APIS;
  expect(first, 'the D1 API summary has conditional rows').toBeDefined();
  expect([...conditionalApis(` ${first ?? ''} ,`)]).toEqual([first]);
  expect(refusal(() => conditionalApis(`${first ?? ''},ctp-enrol`))).toMatch(
    /^CERTIFY_CONDITIONAL_APIS names ctp-enrol, which is not a conditional API/,
  );
});
