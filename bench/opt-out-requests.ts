import { randomBytes, type KeyObject } from 'node:crypto';
import { operations } from '../gen/operations.js';
import { D1Client } from '../lib/d1-client.js';
import { send } from '../lib/http/client.js';
import type { LoadRequestSpec } from './http-load.js';

export const BENCH_ISSUER_ID = 'TESTBANK01';
export const BENCH_KEY_ID = 'bench-key-1';

/** What the load runs send: the contract's own example body of a card opt-out. */
const OPT_OUT_BODY = JSON.stringify(operations.clickToPayOptoutCard.examples.requestBody['application/json']);

/** The opt-out path of a card below a base path: `/banking` on the mock D1, nothing on Prism (it drops server paths). */
const optOutPath = (basePath: string, cardId: string): string =>
  basePath + operations.clickToPayOptoutCard.path.replace('{issuerId}', BENCH_ISSUER_ID).replace('{cardId}', encodeURIComponent(cardId));

export interface OptOutRequests {
  /** One request per prepared card, for the mock D1. */
  readonly mockD1: readonly LoadRequestSpec[];
  /** The same requests as Prism takes them (no `/banking` prefix) and as the bare server gets them. */
  readonly withoutBasePath: readonly LoadRequestSpec[];
}

/**
 * Prepares, on a mock D1 at `origin`, what an authenticated Click to Pay card opt-out needs to be a request the mock
 * takes: a token, a registered consumer and `cardCount` cards created and enrolled. Each load connection goes through
 * the cards in turn, so after the first round every opt-out is a repeat, which the mock answers as documented.
 */
export async function prepareOptOuts(origin: string, privateKey: KeyObject, cardCount: number): Promise<OptOutRequests> {
  const client = new D1Client({
    bankingUrl: `${origin}/banking`,
    authUrl: `${origin}/authz/v1`,
    issuerId: BENCH_ISSUER_ID,
    keyId: BENCH_KEY_ID,
    privateKey,
  });
  const accepted = async (
    operation: Parameters<D1Client['call']>[0],
    parts: Parameters<D1Client['call']>[1],
  ): Promise<Record<string, unknown>> => {
    const response = await client.call(operation, parts);
    if (response.status !== 200)
      throw new Error(`preparing the opt-outs: ${operation} answered ${response.status} ${response.text.slice(0, 200)}`);
    return response.json as Record<string, unknown>;
  };
  const consumerId = `cns_bench_${randomBytes(6).toString('hex')}`;
  await accepted('registerConsumer', {
    path: { consumerId },
    body: { personalInformation: { language: 'en-US', firstName: 'Ana', lastName: 'Lima' } },
  });
  const cards: string[] = [];
  for (let i = 0; i < cardCount; i += 1) {
    const cardId = String((await accepted('createCard', { body: { consumerId, cardProductId: 'prd_debit_classic' } })).cardId);
    await accepted('clickToPayEnrol', { path: { cardId }, body: { name: 'Ana Lima' } });
    cards.push(cardId);
  }
  const headers = { authorization: `Bearer ${await client.token()}`, 'content-type': 'application/json' };
  const spec =
    (basePath: string) =>
    (cardId: string): LoadRequestSpec => ({ method: 'POST', path: optOutPath(basePath, cardId), headers, body: OPT_OUT_BODY });
  return { mockD1: cards.map(spec('/banking')), withoutBasePath: cards.map(spec('')) };
}

/** Sends the first request once and insists on a 200, so that no figure is ever measured on refusals. */
export async function expectAccepted(origin: string, request: LoadRequestSpec | undefined, server: string): Promise<void> {
  if (!request) throw new Error(`no request prepared for ${server}`);
  const response = await send({
    method: request.method,
    url: `${origin}${request.path}`,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  if (response.status !== 200)
    throw new Error(
      `${server} answered the opt-out ${response.status} ${response.text.slice(0, 200)}; the bench measures accepted requests only`,
    );
}
