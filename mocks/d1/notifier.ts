import { basicAuthorization, formRequest, jsonRequest, send, type HttpResponse } from '../../lib/http/client.js';
import type { D1Fault } from './faults.js';
import type { IssuerBackend, RetryOptions } from './options.js';

export type NotificationKind = 'card' | 'consumer';
export type NotificationItem = Readonly<Record<string, unknown>>;

export interface DeliveryStats {
  /** Items handed to the notifier. */
  produced: number;
  /** Items the issuer acknowledged with a 2xx. */
  delivered: number;
  /** Notification calls made, first tries and retries. */
  attempts: number;
  /** Calls repeated after an error, a timeout or no answer. */
  retries: number;
  /** Items dropped because the issuer answered 400 (D1 does not retry those). */
  refused: number;
  /** Items waiting or in flight. */
  pending: number;
}

interface Queue {
  /** The notifier generation the queue belongs to; a reset starts a new one and orphans calls in flight. */
  readonly generation: number;
  readonly issuerId: string;
  readonly kind: NotificationKind;
  readonly items: NotificationItem[];
  busy: boolean;
}

const PATHS: Readonly<Record<NotificationKind, string>> = { card: 'cards', consumer: 'consumers' };

/**
 * Delivers notifications as D1 does: a token from the issuer's token endpoint (Basic client credentials,
 * form-encoded), reused until it expires; `{"operations":[...]}` batches; retries with growing delays until a 2xx,
 * so the issuer may see an item twice; no retry after a 400. Nothing is dropped while the mock runs.
 */
export class Notifier {
  private readonly queues = new Map<string, Queue>();
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();
  private readonly tokenRequests = new Map<string, Promise<string>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private generation = 0;
  readonly stats: DeliveryStats = { produced: 0, delivered: 0, attempts: 0, retries: 0, refused: 0, pending: 0 };

  constructor(
    private readonly backends: ReadonlyMap<string, IssuerBackend>,
    private readonly retry: RetryOptions,
    private readonly maxBatch: number,
    private readonly faults: ReadonlySet<D1Fault>,
    private readonly log: (line: string) => void,
  ) {}

  /** Whether the issuer subscribed to this kind of notification. */
  subscribed(issuerId: string, kind: NotificationKind): boolean {
    const backend = this.backends.get(issuerId);
    if (!backend) return false;
    return kind === 'card' ? backend.cardNotifications !== false : backend.consumerNotifications !== false;
  }

  enqueue(issuerId: string, kind: NotificationKind, item: NotificationItem): void {
    if (this.stopped || !this.subscribed(issuerId, kind)) return;
    const key = `${issuerId}/${kind}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { generation: this.generation, issuerId, kind, items: [], busy: false };
      this.queues.set(key, queue);
    }
    queue.items.push(item);
    this.stats.produced += 1;
    this.stats.pending += 1;
    // Items enqueued in the same tick travel together, up to the batch size.
    if (!queue.busy) {
      queue.busy = true;
      this.later(0, () => void this.deliver(queue, 0));
    }
  }

  /** A bearer token for calls to the issuer, fetched once and reused until shortly before it expires. */
  async issuerToken(issuerId: string): Promise<string | undefined> {
    const backend = this.backends.get(issuerId);
    if (!backend?.authUrl) return undefined;
    const cached = this.tokens.get(issuerId);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    // Callers that need a token at the same moment share one request.
    let pending = this.tokenRequests.get(issuerId);
    if (!pending) {
      pending = this.fetchToken(issuerId, backend).finally(() => this.tokenRequests.delete(issuerId));
      this.tokenRequests.set(issuerId, pending);
    }
    return pending;
  }

  private async fetchToken(issuerId: string, backend: IssuerBackend): Promise<string> {
    const fields: Record<string, string> = { grant_type: 'client_credentials', ...(backend.scope ? { scope: backend.scope } : {}) };
    const response = await send({
      ...formRequest(`${backend.authUrl ?? ''}/oauth2/token`, fields, {
        authorization: basicAuthorization(backend.clientId ?? '', backend.clientSecret ?? ''),
      }),
      timeoutMs: this.retry.attemptTimeoutMs,
      direct: true,
    });
    const body = response.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      throw new Error(`the issuer's token endpoint answered ${response.status}`);
    }
    const lifetime = Number(body.expires_in ?? 900);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 900;
    // Renew a little before expiry so that no call goes out with a token about to lapse.
    this.tokens.set(issuerId, { value: body.access_token, expiresAt: Date.now() + Math.max(seconds * 0.9, seconds - 30) * 1000 });
    return body.access_token;
  }

  forgetToken(issuerId: string): void {
    this.tokens.delete(issuerId);
  }

  private async deliver(queue: Queue, failures: number): Promise<void> {
    if (this.stopped || queue.generation !== this.generation) return;
    const batch = queue.items.slice(0, this.maxBatch);
    if (batch.length === 0) {
      queue.busy = false;
      this.notifyIdle();
      return;
    }
    const backend = this.backends.get(queue.issuerId);
    if (!backend) return;
    this.stats.attempts += 1;
    if (failures > 0) this.stats.retries += 1;
    let response: HttpResponse | undefined;
    let failure: string | undefined;
    try {
      const token = await this.issuerToken(queue.issuerId);
      response = await send({
        ...jsonRequest(
          'POST',
          `${backend.baseUrl}/notifications/d1/v2/issuers/${queue.issuerId}/${PATHS[queue.kind]}`,
          { operations: batch },
          token ? { authorization: `Bearer ${token}` } : {},
        ),
        timeoutMs: this.retry.attemptTimeoutMs,
        direct: true,
      });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (this.stopped || queue.generation !== this.generation) return;

    const done = (count: number): void => {
      queue.items.splice(0, count);
      this.stats.pending -= count;
    };
    if (response && response.status >= 200 && response.status < 300) {
      done(batch.length);
      this.stats.delivered += batch.length;
      this.later(0, () => void this.deliver(queue, 0));
      return;
    }
    if (response?.status === 400) {
      done(batch.length);
      this.stats.refused += batch.length;
      this.log(`notify ${queue.kind}: the issuer refused ${batch.length} item(s) with 400; not retried`);
      this.later(0, () => void this.deliver(queue, 0));
      return;
    }
    if (response?.status === 401) this.forgetToken(queue.issuerId);
    if (queue.kind === 'card' && this.faults.has('notification-not-retried')) {
      done(batch.length);
      this.later(0, () => void this.deliver(queue, 0));
      return;
    }
    const delay = Math.min(this.retry.maxDelayMs, this.retry.firstDelayMs * 2 ** failures) * (0.8 + Math.random() * 0.4);
    this.log(`notify ${queue.kind}: ${failure ?? `answer ${response?.status ?? '?'}`}; retry in ${Math.round(delay)} ms`);
    this.later(delay, () => void this.deliver(queue, failures + 1));
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private notifyIdle(): void {
    if (this.stats.pending > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once every item produced so far is delivered or refused. */
  idle(): Promise<void> {
    if (this.stats.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  reset(): void {
    this.generation += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queues.clear();
    this.tokens.clear();
    this.tokenRequests.clear();
    Object.assign(this.stats, { produced: 0, delivered: 0, attempts: 0, retries: 0, refused: 0, pending: 0 });
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  stop(): void {
    this.stopped = true;
    this.reset();
  }
}
