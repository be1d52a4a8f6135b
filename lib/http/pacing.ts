/**
 * The pace of a run's requests to each target, held across every Playwright worker: one pacing service in the runner
 * process grants each request its turn (a rate limit, a limit of requests in flight) and gathers how the network
 * behaved. Workers reach it over a loopback socket; a process without one (a self-test, a script) keeps a service of
 * its own. Without a configured rate the pace adapts: a 429 lowers it, a run of successes raises it again, so an
 * unknown gateway limit is found without configuration.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TRANSPORT_TARGETS, type TargetPace, type TransportTarget } from '../config/transport.js';
import { PeakRate } from './peak-rate.js';
import { FAULT_KINDS, type FaultKind } from './transport-faults.js';

/** One try of a request, as the pacing service hears of it. */
export interface TryReport {
  readonly target: TransportTarget;
  /** The fault it ended in, or undefined for an answer of the API's. */
  readonly fault: FaultKind | undefined;
  readonly latencyMs: number;
  /** Whether it was sent again after a fault. */
  readonly retry: boolean;
  /** Time the request waited for its turn and for Retry-After before this try. */
  readonly waitedMs: number;
  /** Whether the try held a turn granted by the service, to be given back. */
  readonly held: boolean;
}

/** How the network to one target behaved over a run. */
export interface TargetNetwork {
  readonly target: TransportTarget;
  readonly requests: number;
  /** The most requests sent in any one second. */
  readonly peakRate: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly retries: number;
  /** Requests given up after their tries: each ended its test as not run. */
  readonly gaveUp: number;
  /** Requests not even tried, since the target was down (several given up in a row just before). */
  readonly notTried: number;
  /** Tries that got an answer of the API's (not a fault): what the latency is measured over. */
  readonly answered: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number };
  readonly waitedMs: number;
  readonly limit: { readonly rate: number | 'adaptive'; readonly inFlight: number | undefined; readonly finalRate: number | undefined };
}

const ADAPTIVE_FLOOR = 0.5;
const DECREASE = 0.9;
const DOWN_AFTER_GIVE_UPS = 3;
const DOWN_FOR_MS = 60_000;

/** One target's turns: evenly spaced grants at the rate in force, and at most `inFlight` held at once. */
class TargetGate {
  rate: number | undefined;
  private active = 0;
  private nextGrantAt = 0;
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The rate at which a 429 last came: the pace grows quickly below it and slowly near it. */
  private ceiling: number | undefined;
  private lastChange = 0;
  /** When a request last had to wait for the pace: the pace grows only while it is what limits the run. */
  private lastHeldBack = 0;

  constructor(
    readonly configured: TargetPace,
    private readonly onLimitChange: () => void,
  ) {
    this.rate = configured.rate;
  }

  get limited(): boolean {
    return this.rate !== undefined || this.configured.inFlight !== undefined;
  }

  acquire(grant: () => void): void {
    this.waiting.push(grant);
    this.pump();
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.pump();
  }

  private pump(): void {
    if (this.timer) return;
    const now = performance.now();
    while (this.waiting.length > 0 && this.active < (this.configured.inFlight ?? Infinity)) {
      if (this.rate !== undefined && now < this.nextGrantAt) {
        this.lastHeldBack = now;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.nextGrantAt - now);
        return;
      }
      this.active += 1;
      if (this.rate !== undefined) this.nextGrantAt = Math.max(now, this.nextGrantAt) + 1000 / this.rate;
      this.waiting.shift()?.();
    }
  }

  /**
   * A 429 while the gateway let `acceptedRate` requests through in the last second: that is its limit, so the pace goes
   * just below it (once a second at most: the 429s of one overrun arrive together).
   */
  throttled(acceptedRate: number): void {
    if (this.configured.rate !== undefined) return;
    const now = performance.now();
    if (now - this.lastChange < 1000) return;
    const wasLimited = this.limited;
    this.ceiling = Math.max(ADAPTIVE_FLOOR, Math.min(this.rate ?? Infinity, acceptedRate));
    this.rate = Math.max(ADAPTIVE_FLOOR, this.ceiling * DECREASE);
    this.lastChange = now;
    if (!wasLimited) this.onLimitChange();
  }

  /**
   * An answer: after a second of them, the adaptive pace grows, by 5 % below 95 % of the ceiling, else by 0.5 %, and
   * only while it holds requests back: a pace the run does not reach proves nothing about the gateway.
   */
  succeeded(): void {
    if (this.configured.rate !== undefined || this.rate === undefined || this.ceiling === undefined) return;
    const now = performance.now();
    if (now - this.lastChange < 1000 || now - this.lastHeldBack > 1000) return;
    this.rate *= this.rate < this.ceiling * 0.95 ? 1.05 : 1.005;
    this.lastChange = now;
  }
}

/** What the service gathers of one target. */
class TargetRecord {
  requests = 0;
  retries = 0;
  gaveUp = 0;
  notTried = 0;
  waitedMs = 0;
  readonly faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly latencies: number[] = [];
  /** Tries sent, for the peak per second. */
  readonly sentRate = new PeakRate();
  /** The answers that were not a 429: what a gateway let through in the last second. */
  readonly acceptedRate = new PeakRate();
  consecutiveGiveUps = 0;
  downUntil = 0;

  /** Counts a try. */
  sent(): void {
    this.requests += 1;
    this.sentRate.mark();
  }
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10;

/** Messages between workers and the service: one JSON object a line. */
type ToService =
  | { readonly t: 'acquire'; readonly id: number; readonly target: TransportTarget }
  | ({ readonly t: 'try' } & TryReport)
  | { readonly t: 'gave-up'; readonly target: TransportTarget; readonly tried: boolean };
type FromService =
  | { readonly t: 'grant'; readonly id: number }
  | { readonly t: 'state'; readonly target: TransportTarget; readonly limited: boolean; readonly downUntil: number };

/** The run's pacing: gates and records per target, and the workers it tells when a target's state changes. */
export class PacingService {
  private readonly gates: Record<TransportTarget, TargetGate>;
  private readonly records: Record<TransportTarget, TargetRecord>;
  private readonly listeners = new Set<(message: FromService) => void>();

  constructor(pace: Readonly<Record<TransportTarget, TargetPace>>) {
    this.gates = Object.fromEntries(TRANSPORT_TARGETS.map((t) => [t, new TargetGate(pace[t], () => this.broadcast(t))])) as Record<
      TransportTarget,
      TargetGate
    >;
    this.records = Object.fromEntries(TRANSPORT_TARGETS.map((t) => [t, new TargetRecord()])) as Record<TransportTarget, TargetRecord>;
  }

  state(target: TransportTarget): Extract<FromService, { t: 'state' }> {
    return { t: 'state', target, limited: this.gates[target].limited, downUntil: this.records[target].downUntil };
  }

  private broadcast(target: TransportTarget): void {
    const message = this.state(target);
    for (const listener of this.listeners) listener(message);
  }

  listen(listener: (message: FromService) => void): () => void {
    this.listeners.add(listener);
    for (const target of TRANSPORT_TARGETS) listener(this.state(target));
    return () => this.listeners.delete(listener);
  }

  acquire(target: TransportTarget, grant: () => void): void {
    this.gates[target].acquire(grant);
  }

  tried(report: TryReport): void {
    const record = this.records[report.target];
    const gate = this.gates[report.target];
    record.sent();
    if (report.held) gate.release();
    if (report.retry) record.retries += 1;
    record.waitedMs += report.waitedMs;
    if (report.fault) {
      record.faults[report.fault] += 1;
      if (report.fault === 'throttled') gate.throttled(record.acceptedRate.inLastSecond());
      else record.acceptedRate.mark();
      return;
    }
    record.acceptedRate.mark();
    record.latencies.push(report.latencyMs);
    gate.succeeded();
    if (record.consecutiveGiveUps > 0 || record.downUntil > 0) {
      const wasDown = record.downUntil > 0;
      record.consecutiveGiveUps = 0;
      record.downUntil = 0;
      if (wasDown) this.broadcast(report.target);
    }
  }

  /** A request given up; after several in a row with no answer between, the target is down for a while. */
  gaveUp(target: TransportTarget, tried = true): void {
    const record = this.records[target];
    if (!tried) {
      record.notTried += 1;
      return;
    }
    record.gaveUp += 1;
    record.consecutiveGiveUps += 1;
    if (record.consecutiveGiveUps >= DOWN_AFTER_GIVE_UPS) {
      record.downUntil = Date.now() + DOWN_FOR_MS;
      this.broadcast(target);
    }
  }

  handle(message: ToService, reply: (message: FromService) => void): void {
    if (message.t === 'acquire') this.acquire(message.target, () => reply({ t: 'grant', id: message.id }));
    else if (message.t === 'try') this.tried(message);
    else this.gaveUp(message.target, message.tried);
  }

  /** How the network behaved, per target that was sent anything. */
  report(): TargetNetwork[] {
    return TRANSPORT_TARGETS.filter((t) => this.records[t].requests > 0).map((target) => {
      const record = this.records[target];
      const gate = this.gates[target];
      const sorted = [...record.latencies].sort((a, b) => a - b);
      return {
        target,
        requests: record.requests,
        peakRate: record.sentRate.peak,
        faults: { ...record.faults },
        retries: record.retries,
        gaveUp: record.gaveUp,
        notTried: record.notTried,
        answered: record.latencies.length,
        latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95) },
        waitedMs: Math.round(record.waitedMs),
        limit: {
          rate: gate.configured.rate ?? 'adaptive',
          inFlight: gate.configured.inFlight,
          finalRate: gate.configured.rate === undefined && gate.rate !== undefined ? Math.round(gate.rate * 10) / 10 : undefined,
        },
      };
    });
  }
}

/**
 * The network of several shards of one run as one: counts summed, the peak rate and the latency percentiles the
 * highest of any shard (an upper bound: the shards' latencies are not kept one by one).
 */
export function mergeNetworks(shards: readonly (readonly TargetNetwork[])[]): TargetNetwork[] {
  const byTarget = new Map<TransportTarget, TargetNetwork>();
  for (const network of shards) {
    for (const n of network) {
      const seen = byTarget.get(n.target);
      if (!seen) {
        byTarget.set(n.target, n);
        continue;
      }
      byTarget.set(n.target, {
        ...seen,
        requests: seen.requests + n.requests,
        peakRate: Math.max(seen.peakRate, n.peakRate),
        faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, seen.faults[k] + n.faults[k]])) as Record<FaultKind, number>,
        retries: seen.retries + n.retries,
        gaveUp: seen.gaveUp + n.gaveUp,
        notTried: seen.notTried + n.notTried,
        answered: seen.answered + n.answered,
        latencyMs: { p50: Math.max(seen.latencyMs.p50, n.latencyMs.p50), p95: Math.max(seen.latencyMs.p95, n.latencyMs.p95) },
        waitedMs: seen.waitedMs + n.waitedMs,
      });
    }
  }
  return TRANSPORT_TARGETS.flatMap((t) => byTarget.get(t) ?? []);
}

/** The variable that tells a worker where the run's pacing service listens. */
export const PACER_VARIABLE = 'CERTIFY_PACER';

/** Serves a pacing service to the run's workers on a loopback port. */
export async function servePacing(service: PacingService): Promise<{ readonly address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const send = (message: FromService): void => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
    };
    const stop = service.listen(send);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end = buffered.indexOf('\n');
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        try {
          service.handle(JSON.parse(line) as ToService, send);
        } catch {
          // A line that is not a message is dropped: the pacing is advice to the run, never a reason to stop it.
        }
        end = buffered.indexOf('\n');
      }
    });
    socket.on('close', () => {
      stop();
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.end();
        server.close(() => resolve());
      }),
  };
}

/** A worker's way to its run's pacing: over the socket when the run serves one, else a service of its own. */
export interface PacingLink {
  /** Resolves once the link knows each target's state (limited, down); at once for a local service. */
  readonly ready: Promise<void>;
  limited(target: TransportTarget): boolean;
  /** Whether the target is down: several requests in a row were given up; new ones fail at once until it is tried again. */
  down(target: TransportTarget): boolean;
  /** Waits for the target's turn; resolves to the time waited. */
  acquire(target: TransportTarget): Promise<number>;
  tried(report: TryReport): void;
  /** A request given up after its tries, or (`tried` false) not tried at all since its target was down. */
  gaveUp(target: TransportTarget, tried?: boolean): void;
  /** Sends what is pending; the link stays usable. */
  flush(): Promise<void>;
  /** How the network behaved, when this process keeps its own pacing service; none when the run's service keeps it. */
  report(): TargetNetwork[];
}

class LocalLink implements PacingLink {
  readonly ready = Promise.resolve();
  constructor(readonly service: PacingService) {}
  limited(target: TransportTarget): boolean {
    return this.service.state(target).limited;
  }
  down(target: TransportTarget): boolean {
    return this.service.state(target).downUntil > Date.now();
  }
  acquire(target: TransportTarget): Promise<number> {
    const start = performance.now();
    return new Promise((resolve) => this.service.acquire(target, () => resolve(performance.now() - start)));
  }
  tried(report: TryReport): void {
    this.service.tried(report);
  }
  gaveUp(target: TransportTarget, tried = true): void {
    this.service.gaveUp(target, tried);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  report(): TargetNetwork[] {
    return this.service.report();
  }
}

class SocketLink implements PacingLink {
  private readonly socket: Socket;
  private readonly states = new Map<TransportTarget, { limited: boolean; downUntil: number }>();
  private readonly grants = new Map<number, () => void>();
  private nextId = 1;
  private broken = false;
  private readonly fallback: LocalLink;
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;

  constructor(address: string, pace: Readonly<Record<TransportTarget, TargetPace>>) {
    this.fallback = new LocalLink(new PacingService(pace));
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const [host, port] = address.split(':');
    this.socket = connect({ host: host ?? '127.0.0.1', port: Number(port) });
    this.socket.setNoDelay(true);
    // The link must not keep a worker alive once its tests are done.
    this.socket.unref();
    let buffered = '';
    this.socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end = buffered.indexOf('\n');
      while (end >= 0) {
        const message = JSON.parse(buffered.slice(0, end)) as FromService;
        buffered = buffered.slice(end + 1);
        if (message.t === 'grant') {
          this.grants.get(message.id)?.();
          this.grants.delete(message.id);
        } else {
          this.states.set(message.target, { limited: message.limited, downUntil: message.downUntil });
          // The service sends every target's state on connecting; the link is ready once it has them all.
          if (this.states.size === TRANSPORT_TARGETS.length) this.markReady();
        }
        end = buffered.indexOf('\n');
      }
    });
    this.socket.on('error', () => this.breakLink());
    this.socket.on('close', () => this.breakLink());
  }

  /** Without its run's service, a worker paces itself rather than stop: nobody waits on a grant that cannot come. */
  private breakLink(): void {
    if (this.broken) return;
    this.broken = true;
    this.markReady();
    for (const grant of this.grants.values()) grant();
    this.grants.clear();
  }

  private write(message: ToService): void {
    if (!this.broken) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  limited(target: TransportTarget): boolean {
    return this.broken ? this.fallback.limited(target) : (this.states.get(target)?.limited ?? this.fallback.limited(target));
  }
  down(target: TransportTarget): boolean {
    return this.broken ? this.fallback.down(target) : (this.states.get(target)?.downUntil ?? 0) > Date.now();
  }
  acquire(target: TransportTarget): Promise<number> {
    if (this.broken) return this.fallback.acquire(target);
    const start = performance.now();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.grants.set(id, () => resolve(performance.now() - start));
      // A pending grant keeps the worker alive while it waits for it.
      this.socket.ref();
      this.write({ t: 'acquire', id, target });
    }).finally(() => {
      if (this.grants.size === 0) this.socket.unref();
    }) as Promise<number>;
  }
  tried(report: TryReport): void {
    if (this.broken) this.fallback.tried(report);
    else this.write({ t: 'try', ...report });
  }
  gaveUp(target: TransportTarget, tried = true): void {
    if (this.broken) this.fallback.gaveUp(target, tried);
    else this.write({ t: 'gave-up', target, tried });
  }
  report(): TargetNetwork[] {
    return this.fallback.report();
  }
  flush(): Promise<void> {
    if (this.broken || this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.socket.write('', () => resolve()));
  }
}

/** The link of this process: to the run's service when PACER_VARIABLE names one, else to a service of its own. */
export function pacingLink(pace: Readonly<Record<TransportTarget, TargetPace>>, address = process.env[PACER_VARIABLE]): PacingLink {
  return address ? new SocketLink(address, pace) : new LocalLink(new PacingService(pace));
}

/** A link to a given service in this process, for the service's owner and for tests. */
export const localLink = (service: PacingService): PacingLink => new LocalLink(service);
