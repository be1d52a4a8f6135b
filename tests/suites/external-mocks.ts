/**
 * Both mocks started as commands, each a process of its own as `npm run mock:d1` and `npm run mock:issuer` start
 * them, and the variables that point a run at them as external targets: what a bank's run against its own systems
 * looks like, with D1 notifying the suite's receiver on NOTIFY_SINK_PORT.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { send } from '../../lib/http/client.js';
import { startShapingProxy, type RunningShapingProxy, type ShapingProfile } from '../../mocks/network/shaping-proxy.js';
import { startMockProcess, type MockProcess } from '../mocks/cli-process.js';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

export interface ExternalMocks {
  /** The target variables of a run against the two processes. */
  readonly env: Readonly<Record<string, string>>;
  readonly banners: readonly string[];
  /** The shaping proxies in front of the mocks, when the link was shaped. */
  readonly links: { readonly d1?: RunningShapingProxy; readonly issuer?: RunningShapingProxy };
  stop(): Promise<void>;
}

/** The same URL through a proxy: its origin replaced, its path kept. */
const through = (proxy: RunningShapingProxy | undefined, url: string): string =>
  proxy ? `${proxy.url}${new URL(url).pathname.replace(/\/+$/, '')}` : url;

/**
 * Starts both mocks as commands, with the planted bugs given (`--fault`), and returns the run's variables. With
 * `links`, a shaping proxy stands in front of each mock given a profile, as the internet in front of D1 staging or a
 * gateway in front of a bank: the run reaches the mock through it.
 */
export async function startExternalMocks(
  faults: { d1?: readonly string[]; issuer?: readonly string[] } = {},
  links: { readonly d1?: ShapingProfile; readonly issuer?: ShapingProfile; readonly seed?: number } = {},
): Promise<ExternalMocks> {
  const work = mkdtempSync(path.join(tmpdir(), 'external-targets-'));
  const keyFile = path.join(work, 'issuer-key.pem');
  const sinkPort = await freePort();
  const sinkSecret = 'sink-secret-for-this-run';
  const issuerSecret = 'issuer-secret-for-this-run';
  const processes: MockProcess[] = [];
  const proxies: RunningShapingProxy[] = [];
  const stop = async (): Promise<void> => {
    for (const proxy of proxies) await proxy.close();
    for (const child of processes) await child.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const d1 = await startMockProcess(
      'mocks/d1/cli.ts',
      [
        ...['--port', '0', '--issuer-id', 'TESTBANK01', '--kid', 'suite-key-1', '--generate-key', keyFile, '--operation-delay', '20'],
        ...['--issuer-url', `http://127.0.0.1:${sinkPort}`, '--issuer-auth-url', `http://127.0.0.1:${sinkPort}/authz/d1/v1`],
        ...['--issuer-client-id', 'sink-client', '--quiet'],
        ...(faults.d1 ?? []).flatMap((fault) => ['--fault', fault]),
      ],
      { MOCK_D1_ISSUER_CLIENT_SECRET: sinkSecret },
    );
    processes.push(d1);
    const issuer = await startMockProcess(
      'mocks/issuer/cli.ts',
      ['--port', '0', '--client-id', 'd1-notifier', ...(faults.issuer ?? []).flatMap((fault) => ['--fault', fault])],
      { ISSUER_CLIENT_SECRET: issuerSecret },
    );
    processes.push(issuer);
    const bankingUrl = /D1_BASE_URL=(\S+)/.exec(d1.banner)?.[1] ?? '';
    const authUrl = /D1_AUTH_URL=(\S+)/.exec(d1.banner)?.[1] ?? '';
    const issuerUrl = /ISSUER_BASE_URL=(\S+)/.exec(issuer.banner)?.[1] ?? '';
    const issuerAuthUrl = /ISSUER_AUTH_URL=(\S+)/.exec(issuer.banner)?.[1] ?? '';
    if (![bankingUrl, authUrl, issuerUrl, issuerAuthUrl].every(Boolean)) throw new Error(`banners: ${d1.banner} / ${issuer.banner}`);
    const jwkFile = path.join(work, 'card-data-key.json');
    writeFileSync(jwkFile, (await send({ method: 'GET', url: `${new URL(bankingUrl).origin}/__mock/card-data-key` })).text);
    const shaped = async (profile: ShapingProfile | undefined, url: string): Promise<RunningShapingProxy | undefined> => {
      if (!profile) return undefined;
      const proxy = await startShapingProxy({
        upstream: new URL(url).origin,
        profile,
        ...(links.seed === undefined ? {} : { seed: links.seed }),
      });
      proxies.push(proxy);
      return proxy;
    };
    const d1Link = await shaped(links.d1, bankingUrl);
    const issuerLink = await shaped(links.issuer, issuerUrl);
    return {
      links: { ...(d1Link ? { d1: d1Link } : {}), ...(issuerLink ? { issuer: issuerLink } : {}) },
      env: {
        D1_BASE_URL: through(d1Link, bankingUrl),
        D1_AUTH_URL: through(d1Link, authUrl),
        D1_ISSUER_ID: 'TESTBANK01',
        D1_KEY_ID: 'suite-key-1',
        D1_PRIVATE_KEY: keyFile,
        D1_CARD_PRODUCT_ID: 'prd_debit_classic',
        D1_CARD_PRODUCT_ID_OTHER_SCHEME: 'prd_credit_gold',
        D1_REFUSED_CARD_PRODUCT_ID: 'prd_visa_refused',
        D1_CARD_DATA_KEY: jwkFile,
        NOTIFY_SINK_PORT: String(sinkPort),
        NOTIFY_SINK_CLIENT_ID: 'sink-client',
        NOTIFY_SINK_CLIENT_SECRET: sinkSecret,
        ISSUER_BASE_URL: through(issuerLink, issuerUrl),
        ISSUER_AUTH_URL: through(issuerLink, issuerAuthUrl),
        ISSUER_CLIENT_ID: 'd1-notifier',
        ISSUER_CLIENT_SECRET: issuerSecret,
        ISSUER_CONSUMER_ID: 'cns_known_0001',
        ISSUER_RESTRICTED_CONSUMER_ID: 'cns_restricted_0001',
      },
      banners: [d1.banner, issuer.banner],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
