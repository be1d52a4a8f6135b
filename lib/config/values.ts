/**
 * The values every command and mock reads from its options or the environment, parsed one way everywhere. Each
 * parser takes the value and the name the user gave it (`--port`, `D1_BASE_URL`), and throws a ConfigurationError
 * naming it.
 */
import { operations } from '../../gen/operations.js';
import { ConfigurationError } from './errors.js';

/** An http or https URL, without its trailing slashes (bases are joined with paths that start with one). */
export function httpUrl(value: string, name: string): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigurationError(`${name} must be an http or https URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

/** The length of an issuerId, as the contracts give it for the path of D1's APIs (in characters, as JSON Schema counts). */
function issuerIdLength(): number {
  const { minLength, maxLength } = operations.clickToPayEnrol.fields['CTP-ENROL-ISSUERID-LENGTH']?.schema ?? {};
  if (minLength === undefined || minLength !== maxLength) throw new Error('the contracts no longer give the issuerId one length');
  return minLength;
}
const ISSUER_ID_LENGTH = issuerIdLength();

/** An issuerId as D1 knows issuers: exactly 10 characters. */
export function issuerId(value: string, name: string): string {
  const length = [...value].length;
  if (length !== ISSUER_ID_LENGTH)
    throw new ConfigurationError(`${name} must be exactly ${ISSUER_ID_LENGTH} characters (D1 issuer ids are), got ${length}`);
  return value;
}

/** A TCP port to listen on; 0 (also when the value is absent) lets the system pick a free one. */
export function port(value: string | number | undefined, name: string): number {
  if (value === undefined) return 0;
  const number = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535)
    throw new ConfigurationError(`${name} must be a port number from 0 to 65535, got "${String(value)}"`);
  return number;
}

/** A whole number from `min` to `max`, both included. */
export function wholeNumber(value: string, name: string, min: number, max: number): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new ConfigurationError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return number;
}

/** A number (a duration, a margin) of `min` or more; with `integer`, a whole one. */
export function numberAtLeast(value: string, name: string, { min = 0, integer = false } = {}): number {
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number) || number < min || (integer && !Number.isInteger(number)))
    throw new ConfigurationError(`${name} must be ${integer ? 'a whole number' : 'a number'} of ${min} or more, got "${value}"`);
  return number;
}

/** A positive whole number (a count, a number of rounds). */
export const positiveInteger = (value: string, name: string): number => numberAtLeast(value, name, { min: 1, integer: true });
