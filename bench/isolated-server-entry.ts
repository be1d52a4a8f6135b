/**
 * One server alone in this process, so that what the parent measures (requests per second, memory) is that server's
 * own: the mock D1, the observer recording against its embedded mock D1, the reference issuer, or a bare node:http
 * server answering a fixed JSON body. Started by bench/isolated-server.ts with `node --expose-gc --import tsx`; it
 * takes orders and reports over the IPC channel.
 */
import { createServer } from 'node:http';
import { listen } from '../mocks/http/server.js';

export type IsolatedServerKind = 'mock-d1' | 'observer' | 'reference-issuer' | 'bare-http' | 'mock-server-fixed';

export type ServerSettings =
  | { readonly kind: 'mock-d1'; readonly issuerId: string; readonly kid: string; readonly publicKeyPem: string }
  | {
      readonly kind: 'observer';
      readonly issuerId: string;
      readonly kid: string;
      readonly publicKeyPem: string;
      /** A fresh directory for its journal, made by the parent, which measures the journal and removes it. */
      readonly journalDir: string;
    }
  | { readonly kind: 'reference-issuer'; readonly clientSecret: string }
  | { readonly kind: 'bare-http' }
  | { readonly kind: 'mock-server-fixed' };

export type OrderToServer =
  | { readonly type: 'start'; readonly settings: ServerSettings }
  | { readonly type: 'memory'; readonly collectGarbage: boolean }
  | { readonly type: 'stop' };

export interface MemoryFigures {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** Whether a full garbage collection ran just before (needs --expose-gc). */
  readonly afterGarbageCollection: boolean;
}

export type ReportFromServer =
  | { readonly type: 'started'; readonly url: string }
  | { readonly type: 'memory'; readonly memory: MemoryFigures }
  | { readonly type: 'failed'; readonly message: string };

/** The loopback ceiling: the least work an HTTP answer can take in Node, a fixed body on every path. */
const BARE_BODY = JSON.stringify({ operationId: 'op_01HZX3J8K2M4N6P8Q0R2S4T6V8', status: 'PENDING' });

async function startBare(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BARE_BODY)) });
    response.end(BARE_BODY);
  });
  return listen(server);
}

/** The mocks' own server (mocks/http/server.ts) with a handler that answers the bare server's body: what D1's work adds. */
async function startMockServerFixed(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { startServer } = await import('../mocks/http/server.js');
  const body = JSON.parse(BARE_BODY) as unknown;
  return startServer(() => ({ status: 200, body }), { name: 'fixed', errorBody: (status, code, message) => ({ code, message }) });
}

async function start(settings: ServerSettings): Promise<{ url: string; stop: () => Promise<void> }> {
  switch (settings.kind) {
    // Each kind loads only its own modules, so that the memory measured is what that server needs.
    case 'mock-d1': {
      const { startMockD1 } = await import('../mocks/d1/index.js');
      const d1 = await startMockD1({
        issuers: [{ issuerId: settings.issuerId, keys: [{ kid: settings.kid, publicKey: settings.publicKeyPem }] }],
      });
      return { url: d1.url, stop: () => d1.stop() };
    }
    case 'observer': {
      const { startObserver } = await import('../observer/index.js');
      const observer = await startObserver({
        issuerId: settings.issuerId,
        keys: [{ kid: settings.kid, publicKey: settings.publicKeyPem }],
        journalDir: settings.journalDir,
        // The bench stops it as soon as the load ends: every write is judged, none left out as too recent to tell.
        limits: { followUpGraceSeconds: 0 },
      });
      return {
        url: observer.url,
        stop: async () => {
          await observer.stop();
        },
      };
    }
    case 'reference-issuer': {
      const { startReferenceIssuer } = await import('../mocks/issuer/index.js');
      const issuer = await startReferenceIssuer({ clientSecret: settings.clientSecret });
      return { url: issuer.url, stop: () => issuer.stop() };
    }
    case 'bare-http':
      return startBare();
    case 'mock-server-fixed':
      return startMockServerFixed();
  }
}

function memoryNow(collectGarbage: boolean): MemoryFigures {
  const collector = globalThis.gc;
  // Two passes: the first may only queue finalisers whose objects the second frees.
  if (collectGarbage && collector) {
    collector();
    collector();
  }
  const usage = process.memoryUsage();
  return {
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external,
    afterGarbageCollection: collectGarbage && collector !== undefined,
  };
}

const report = (message: ReportFromServer): void => {
  process.send?.(message);
};

let running: { url: string; stop: () => Promise<void> } | undefined;

process.on('message', (raw) => {
  const order = raw as OrderToServer;
  switch (order.type) {
    case 'start':
      start(order.settings).then(
        (server) => {
          running = server;
          report({ type: 'started', url: server.url });
        },
        (error: unknown) => report({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
      );
      return;
    case 'memory':
      report({ type: 'memory', memory: memoryNow(order.collectGarbage) });
      return;
    case 'stop':
      void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});

// Orphaned by its parent (killed, crashed), the server must not live on.
process.on('disconnect', () => process.exit(0));
