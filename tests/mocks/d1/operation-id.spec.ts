/**
 * The mock D1's operation ids: `op_`, ten time-ordered characters and sixteen random ones, from one 32-character
 * alphabet; random bytes are drawn a pool at a time, so the ids must stay distinct and unbiased across refills.
 */
import { test, expect } from '@playwright/test';
import { newOperationId } from '../../../mocks/d1/state.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

test('operation ids keep their format and stay distinct across many pool refills', () => {
  const count = 20_000;
  const ids = Array.from({ length: count }, () => newOperationId(Date.UTC(2026, 11, 7)));
  for (const id of ids.slice(0, 50)) expect(id).toMatch(/^op_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(new Set(ids).size).toBe(count);
  // Ids of one millisecond share their time part; their random parts use the whole alphabet about evenly.
  expect(new Set(ids.map((id) => id.slice(3, 13))).size).toBe(1);
  const seen = new Map<string, number>();
  for (const id of ids) for (const character of id.slice(13)) seen.set(character, (seen.get(character) ?? 0) + 1);
  expect([...seen.keys()].sort().join('')).toBe([...ALPHABET].sort().join(''));
  const expected = (count * 16) / 32;
  for (const [character, times] of seen) expect(Math.abs(times - expected), character).toBeLessThan(expected * 0.1);
});

test('a later millisecond gives a later id', () => {
  const earlier = newOperationId(Date.UTC(2026, 11, 7, 10, 0, 0, 0));
  const later = newOperationId(Date.UTC(2026, 11, 7, 10, 0, 0, 1));
  expect(later.slice(0, 13) > earlier.slice(0, 13)).toBe(true);
});
