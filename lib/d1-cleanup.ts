/**
 * The end of a run against an external D1: deletes every consumer and card the suites created there (listed in the
 * ledger the workers appended to), follows each asynchronous delete to its end, and says what could not be removed and
 * why. It concerns D1, never the bank: nothing here changes a verdict.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readTargets, type TargetsConfig } from './config/targets.js';
import type { OperationId } from '../gen/operations.js';
import { CREATED_LEDGER, D1Client, routeD1, type CallParts, type CreatedEntry } from './d1-client.js';
import type { HttpResponse } from './http/client.js';

export const CLEANUP_FILE = path.join('certification', 'd1-cleanup.json');

export interface CleanupCounts {
  readonly consumers: number;
  readonly cards: number;
}

export interface NotRemoved {
  readonly kind: 'consumer' | 'card';
  readonly id: string;
  readonly reason: string;
}

/** What the clean-up did; created = removed + alreadyGone + notRemoved, for consumers and cards alike. */
export interface D1Cleanup {
  readonly created: CleanupCounts;
  /** Deleted by the clean-up; a card deleted with its consumer (CONSUMER-DELETE-CASCADE) counts here. */
  readonly removed: CleanupCounts;
  /** Not there to delete: deleted during the run by the tests themselves, or never created (its creation failed). */
  readonly alreadyGone: CleanupCounts;
  readonly notRemoved: readonly NotRemoved[];
}

/** The file written beside the ledger: the outcome, and what it was about. */
export interface D1CleanupRecord extends D1Cleanup {
  readonly d1: string;
  readonly ledger: string;
  readonly startedAt: string;
  readonly endedAt: string;
}

export interface CleanupOptions {
  /** Deletes in flight at once: a shared D1 staging is not to be hammered. At most 4. */
  readonly concurrency?: number;
  /** How long to follow one delete through its getter before calling it unfinished. */
  readonly pollTimeoutMs?: number;
  /** Stops starting deletes (a second signal to certify); what is left is listed as not removed. */
  readonly signal?: AbortSignal;
}

type Json = Record<string, unknown>;
type Kind = NotRemoved['kind'];
type Outcome = { readonly result: 'removed' | 'alreadyGone' } | { readonly result: 'notRemoved'; readonly reason: string };

const MAX_CONCURRENCY = 4;
const FINAL = new Set(['SUCCESSFUL', 'FAILED']);

/** The ledger's entries; a line torn by a process killed mid-write is skipped. */
export function readLedger(file: string): CreatedEntry[] {
  if (!existsSync(file)) return [];
  const entries: CreatedEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as Partial<CreatedEntry>;
      if ((entry.kind === 'consumer' || entry.kind === 'card') && typeof entry.id === 'string') entries.push(entry as CreatedEntry);
    } catch {
      // A torn last line: its creation may have happened, and its id is unreadable either way.
    }
  }
  return entries;
}

/** The client certify cleans up with: the same D1, issuer and key the suites used. */
export function d1ClientFor(targets: TargetsConfig = readTargets()): D1Client | undefined {
  const d1 = targets.d1;
  if (d1.kind !== 'external') return undefined;
  // The clean-up keeps to the run's pace and absorbs the same faults as the suites' requests.
  routeD1(d1);
  return new D1Client({
    bankingUrl: d1.bankingUrl,
    authUrl: d1.authUrl,
    issuerId: d1.issuerId,
    keyId: d1.keyId,
    privateKey: d1.privateKey,
    ...(d1.tls ? { tls: d1.tls } : {}),
  });
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const errorOf = (body: Json): string => [text(body.errorCode), text(body.error)].filter(Boolean).join(': ') || 'no errorCode';
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One call, retried once with a fresh token when the cached one was refused (a test may have aged every token). */
async function call(client: D1Client, operationId: OperationId, parts: CallParts): Promise<HttpResponse> {
  const response = await client.call(operationId, parts);
  if (response.status !== 401) return response;
  client.forgetToken();
  return client.call(operationId, parts);
}

/** Deletes one object and follows the delete to its final status, or says why it did not end SUCCESSFUL. */
async function deleteOne(
  client: D1Client,
  kind: Kind,
  id: string,
  options: { readonly pollTimeoutMs: number; readonly signal?: AbortSignal | undefined },
): Promise<{ done: boolean; why: string }> {
  const ids: Record<string, string> = kind === 'consumer' ? { consumerId: id } : { cardId: id };
  const response =
    kind === 'consumer'
      ? await call(client, 'deleteConsumer', { path: ids, body: { reasonCode: 'ISSUER_DECISION' } })
      : await call(client, 'deleteCard', { path: ids, body: { reasonCode: 'CLOSED_CARD' } });
  const accepted = (response.json ?? {}) as Json;
  if (response.status !== 200) return { done: false, why: `D1 refused the delete with ${response.status} (${errorOf(accepted)})` };
  let final = accepted;
  const deadline = Date.now() + options.pollTimeoutMs;
  let delay = 50;
  while (!FINAL.has(text(final.status))) {
    if (Date.now() > deadline)
      return { done: false, why: `the delete was still ${text(final.status) || 'unfinished'} after ${options.pollTimeoutMs} ms` };
    if (options.signal?.aborted) return { done: false, why: 'the clean-up was stopped while the delete was running' };
    await pause(delay);
    delay = Math.min(delay * 2, 1_000);
    const getter = kind === 'consumer' ? 'getConsumerOperation' : 'getCardOperation';
    const read = await call(client, getter, { path: { ...ids, operationId: text(accepted.operationId) } });
    if (read.status !== 200)
      return { done: false, why: `the delete's getter answered ${read.status} (${errorOf((read.json ?? {}) as Json)})` };
    final = (read.json ?? {}) as Json;
  }
  return final.status === 'SUCCESSFUL' ? { done: true, why: '' } : { done: false, why: `D1 ended the delete FAILED (${errorOf(final)})` };
}

/**
 * Why a delete that did not succeed left nothing behind, or what it left: the object's operation history tells a
 * delete made during the run, a creation that failed, or a replacement (REPLACED is final: CARD-REGISTER-CARDID-REUSE).
 */
async function explain(client: D1Client, kind: Kind, id: string, why: string, madeWithCard = false): Promise<Outcome> {
  const listed =
    kind === 'consumer'
      ? await call(client, 'getConsumerOperations', { path: { consumerId: id } })
      : await call(client, 'getCardOperations', { path: { cardId: id } });
  const operations = listed.status === 200 ? (((listed.json ?? {}) as Json).operations as Json[] | undefined) : undefined;
  if (!Array.isArray(operations)) return { result: 'notRemoved', reason: why };
  const succeeded = (name: string): boolean => operations.some((o) => o.operation === name && o.status === 'SUCCESSFUL');
  if (succeeded('DELETE')) return { result: 'alreadyGone' };
  // A consumer only named by a card, of which D1 knows nothing: it never made it.
  if (madeWithCard && operations.length === 0) return { result: 'alreadyGone' };
  if (kind === 'card' && succeeded('REPLACE')) return { result: 'notRemoved', reason: `replaced during the run, a final state; ${why}` };
  if (!succeeded('REGISTER') && !succeeded('CREATE') && operations.some((o) => o.operation === 'REGISTER' || o.operation === 'CREATE'))
    return { result: 'alreadyGone' };
  return { result: 'notRemoved', reason: why };
}

/** Runs the tasks with at most `limit` in flight. */
async function inPool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Deletes what the entries name: each consumer registered, then each card not already gone with its consumer, then
 * the consumers D1 made for a card named with them. Never throws: what fails is listed with why.
 */
export async function cleanUpCreated(client: D1Client, entries: readonly CreatedEntry[], given: CleanupOptions = {}): Promise<D1Cleanup> {
  const options = {
    pollTimeoutMs: 30_000,
    ...given,
    concurrency: Math.min(MAX_CONCURRENCY, Math.max(1, given.concurrency ?? MAX_CONCURRENCY)),
  };
  const cards = new Map<string, string | undefined>();
  const consumers = new Set<string>();
  const confirmed = new Set(entries.filter((e) => !e.sent).map((e) => `${e.kind} ${e.id}`));
  for (const entry of entries) {
    if (entry.kind === 'consumer') consumers.add(entry.id);
    else cards.set(entry.id, entry.consumerId ?? cards.get(entry.id));
  }
  // Sent but never confirmed (refused, or its worker stopped first): deleted when there, and otherwise not counted.
  const unconfirmed = (kind: Kind, id: string): boolean => !confirmed.has(`${kind} ${id}`);
  // A card named with a consumer D1 did not hold makes that consumer too (D1 then asks the issuer for its details);
  // the suites name only consumers they invented, so those are theirs to delete, once their cards are dealt with.
  const madeWithCards = new Set([...cards.values()].filter((id): id is string => id !== undefined && !consumers.has(id)));
  const outcomes = { consumer: new Map<string, Outcome>(), card: new Map<string, Outcome>() };
  const settle = async (kind: Kind, id: string): Promise<void> => {
    if (options.signal?.aborted) {
      outcomes[kind].set(id, { result: 'notRemoved', reason: 'the clean-up was stopped before deleting it' });
      return;
    }
    try {
      const { done, why } = await deleteOne(client, kind, id, options);
      outcomes[kind].set(id, done ? { result: 'removed' } : await explain(client, kind, id, why, madeWithCards.has(id)));
    } catch (error) {
      outcomes[kind].set(id, {
        result: 'notRemoved',
        reason: `no answer from D1: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };
  await inPool([...consumers], options.concurrency, (id) => settle('consumer', id));
  const left: string[] = [];
  for (const [cardId, consumerId] of cards) {
    const holder = consumerId ? outcomes.consumer.get(consumerId) : undefined;
    // Deleting a consumer deletes its cards (CONSUMER-DELETE-CASCADE): nothing more to ask D1 for those.
    if (holder && holder.result !== 'notRemoved') {
      if (!unconfirmed('card', cardId)) outcomes.card.set(cardId, { result: holder.result });
    } else left.push(cardId);
  }
  await inPool(left, options.concurrency, (id) => settle('card', id));
  await inPool([...madeWithCards], options.concurrency, (id) => settle('consumer', id));

  for (const kind of ['consumer', 'card'] as const) {
    for (const [id, outcome] of outcomes[kind]) if (outcome.result !== 'removed' && unconfirmed(kind, id)) outcomes[kind].delete(id);
  }
  const count = (result: Outcome['result']): CleanupCounts => ({
    consumers: [...outcomes.consumer.values()].filter((o) => o.result === result).length,
    cards: [...outcomes.card.values()].filter((o) => o.result === result).length,
  });
  const notRemoved = (['consumer', 'card'] as const).flatMap((kind) =>
    [...outcomes[kind]].flatMap(([id, o]) => (o.result === 'notRemoved' ? [{ kind, id, reason: o.reason }] : [])),
  );
  return {
    created: { consumers: outcomes.consumer.size, cards: outcomes.card.size },
    removed: count('removed'),
    alreadyGone: count('alreadyGone'),
    notRemoved,
  };
}

/** Removes what an earlier run left in the reports directory, so that this run's ledger lists this run's objects only. */
export function clearEarlierLedger(reportsDir: string): void {
  for (const file of [CREATED_LEDGER, CLEANUP_FILE]) rmSync(path.join(reportsDir, file), { force: true });
}

/**
 * Cleans up what the run created in its external D1, from the ledger in the reports directory, and writes the outcome
 * to certification/d1-cleanup.json. Undefined (and no file) when D1 is the embedded mock or nothing was created.
 */
export async function cleanUpRun(
  reportsDir: string,
  options: CleanupOptions & { readonly targets?: TargetsConfig } = {},
): Promise<D1CleanupRecord | undefined> {
  const entries = readLedger(path.join(reportsDir, CREATED_LEDGER));
  if (entries.length === 0) return undefined;
  const targets = options.targets ?? readTargets();
  const client = d1ClientFor(targets);
  if (!client) return undefined;
  const startedAt = new Date().toISOString();
  const outcome = await cleanUpCreated(client, entries, options);
  const record: D1CleanupRecord = {
    d1: client.options.bankingUrl,
    ledger: CREATED_LEDGER,
    startedAt,
    endedAt: new Date().toISOString(),
    ...outcome,
  };
  mkdirSync(path.join(reportsDir, 'certification'), { recursive: true });
  writeFileSync(path.join(reportsDir, CLEANUP_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** The clean-up's outcome as the summary shows it, when the run cleaned anything up. */
export function readCleanup(reportsDir: string): D1Cleanup | undefined {
  const file = path.join(reportsDir, CLEANUP_FILE);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as D1CleanupRecord;
  return { created: record.created, removed: record.removed, alreadyGone: record.alreadyGone, notRemoved: record.notRemoved };
}
