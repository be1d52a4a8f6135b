import { randomBytes } from 'node:crypto';
import type { D1Client } from '../../../lib/d1-client.js';
import { encryptCardData } from '../../../lib/card-data.js';
import type { RunningMockD1 } from '../../../mocks/d1/index.js';
import { contractValid, expect, finalOperation } from './mock-d1-fixtures.js';

/** A fresh id, so that no two tests share a consumer or a card. */
export const uniqueId = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;

export async function registerConsumer(client: D1Client, withDetails = true): Promise<string> {
  const consumerId = uniqueId('cns');
  const body = withDetails ? { consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima' } } : {};
  const response = await client.call('registerConsumer', { path: { consumerId }, body });
  expect(contractValid('registerConsumer', response)).toMatchObject({ status: 'SUCCESSFUL' });
  return consumerId;
}

export async function createCard(client: D1Client, consumerId: string, cardProductId = 'prd_debit_classic'): Promise<string> {
  const response = await client.call('createCard', { body: { consumerId, cardProductId } });
  const body = contractValid('createCard', response);
  expect(response.status).toBe(200);
  return String(body.cardId);
}

export async function registerCardWithPan(
  client: D1Client,
  d1: RunningMockD1,
  consumerId: string,
  pan: string,
): Promise<{ cardId: string; operationId: string }> {
  const cardId = uniqueId('crd');
  const encryptedData = await encryptCardData(d1.cardDataJwk, { pan, expiry: '1230' });
  const response = await client.call('registerCard', { path: { cardId }, body: { consumerId, encryptedData } });
  const body = contractValid('registerCard', response);
  return { cardId, operationId: String(body.operationId) };
}

/** Sends a card write and waits for its final state through the getter. */
export async function cardWrite(
  client: D1Client,
  operation: Parameters<D1Client['call']>[0],
  cardId: string,
  body: unknown = {},
): Promise<Record<string, unknown>> {
  const response = await client.call(operation, { path: { cardId }, body });
  const accepted = contractValid(operation, response);
  expect(response.status).toBe(200);
  return finalOperation(client, { cardId }, String(accepted.operationId));
}

export async function consumerWrite(
  client: D1Client,
  operation: Parameters<D1Client['call']>[0],
  consumerId: string,
  body: unknown = {},
): Promise<{ accepted: Record<string, unknown>; final: Record<string, unknown> }> {
  const response = await client.call(operation, { path: { consumerId }, body });
  const accepted = contractValid(operation, response);
  expect(response.status).toBe(200);
  return { accepted, final: await finalOperation(client, { consumerId }, String(accepted.operationId)) };
}

export async function enrol(client: D1Client, cardId: string): Promise<Record<string, unknown>> {
  return cardWrite(client, 'clickToPayEnrol', cardId, { name: 'Ana Lima' });
}

export interface ProfileView {
  readonly scheme: string;
  readonly cards: readonly string[];
}

export async function profiles(client: D1Client, consumerId: string): Promise<ProfileView[]> {
  const response = await client.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
  expect(response.status).toBe(200);
  const body = contractValid('clickToPayGetConsumerProfiles', response) as {
    clickToPayProfiles: { scheme: string; cards?: { cardId: string }[] }[];
  };
  return body.clickToPayProfiles.map((p) => ({ scheme: p.scheme, cards: (p.cards ?? []).map((c) => c.cardId).sort() }));
}
