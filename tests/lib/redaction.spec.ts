/**
 * Redaction before anything is logged: by key and by value.
 */
import { test, expect } from '@playwright/test';
import { REDACTED, redactText, redactValue } from '../../lib/redaction.js';

test('card numbers that pass Luhn are redacted, other digit runs are kept', () => {
  expect(redactText('pan 4111111111111111 and 4111 1111 1111 1111 and 5555-5555-5555-4444')).toBe(
    `pan ${REDACTED} and ${REDACTED} and ${REDACTED}`,
  );
  expect(redactText('order 4111111111111112 and 1234567890123')).toBe('order 4111111111111112 and 1234567890123');
});

test('emails, phone numbers, JWTs, bearer and basic credentials and PEM keys are redacted inside text', () => {
  const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJYIn0.c2lnbmF0dXJl';
  const text =
    `mail ana.lima@example.com phone +33 6 12 34 56 78 token ${jwt} Authorization: ` +
    'Bearer abc.def-123 Basic aXNfdGJhbmswMToxMjM= -----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----';
  const redacted = redactText(text);
  for (const secret of ['ana.lima@example.com', '+33 6 12 34 56 78', jwt, 'abc.def-123', 'aXNfdGJhbmswMToxMjM=', 'MIGH']) {
    expect(redacted).not.toContain(secret);
  }
  expect(redacted).toContain('Bearer [redacted]');
});

test('values under sensitive keys are masked whatever they look like, at any depth', () => {
  const value = {
    headers: { Authorization: 'opaque', 'x-correlation-id': 'corr-1' },
    body: {
      client_secret: 's3cr3t',
      consumerInfo: { firstName: 'Ana', lastName: 'Lima', language: 'en-US' },
      name: 'Ana Lima',
      list: [{ access_token: 'tok' }],
    },
  };
  expect(redactValue(value)).toEqual({
    headers: { Authorization: REDACTED, 'x-correlation-id': 'corr-1' },
    body: {
      client_secret: REDACTED,
      consumerInfo: { firstName: REDACTED, lastName: REDACTED, language: 'en-US' },
      name: REDACTED,
      list: [{ access_token: REDACTED }],
    },
  });
});

test('known secret values are removed wherever they appear', () => {
  expect(redactValue({ note: 'the secret is hunter22-abc' }, ['hunter22-abc'])).toEqual({ note: `the secret is ${REDACTED}` });
});
