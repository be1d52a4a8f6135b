/**
 * The shaping proxy as a command, in front of a mock or any HTTP server:
 *   npm run shape -- --upstream http://127.0.0.1:4010 --profile gateway-20rps
 *   npm run shape -- --upstream http://127.0.0.1:8081 --profile latency=80,rate=20,burst=20,503=0.01 --seed 7
 * Prints one line with its URL once listening, then one line per request it did not forward untouched; on SIGINT or
 * SIGTERM it stops and prints its stats. A wrong option stops it with one line and exit code 2.
 */
import { parseCommandLine, runCli } from '../../lib/config/command-line.js';
import { ConfigurationError, listeningOn } from '../../lib/config/errors.js';
import { httpUrl, port as portOf, wholeNumber } from '../../lib/config/values.js';
import { namedProfiles, profileFrom, profileSpecKeys } from './profiles.js';
import { startShapingProxy } from './shaping-proxy.js';

const USAGE = `usage: shape --upstream URL [--profile NAME|SPEC] [--port N] [--host H] [--seed N] [--quiet]
profiles: ${Object.keys(namedProfiles).join(', ')}
spec: comma-separated profile names and key=value items, keys: ${profileSpecKeys.map(([key]) => key).join(', ')}`;

async function main(): Promise<void> {
  const values = parseCommandLine(process.argv.slice(2), {
    upstream: { type: 'string' },
    profile: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.upstream === undefined) throw new ConfigurationError('--upstream URL is required: the server to stand in front of');
  const upstream = httpUrl(values.upstream, '--upstream');
  const profileSpec = values.profile ?? 'loopback';
  const profile = profileFrom(profileSpec, '--profile');
  const listenPort = portOf(values.port, '--port');
  const seed = values.seed === undefined ? undefined : wholeNumber(values.seed, '--seed', 0, 2 ** 32 - 1);

  const proxy = await listeningOn('--port', listenPort, () =>
    startShapingProxy({
      upstream,
      profile,
      port: listenPort,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(seed === undefined ? {} : { seed }),
      ...(values.quiet ? {} : { log: (line: string) => process.stdout.write(`${line}\n`) }),
    }),
  );

  // Listening for the signals before the first line: whoever reads it may stop the proxy at once.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // A second signal while stopping (a terminal's Ctrl-C pressed twice) changes nothing: the first one is being honoured.
    if (stopping) return;
    stopping = true;
    const stats = proxy.stats();
    proxy.close().then(
      () => process.stdout.write(`shaping proxy stopped (${signal}): ${JSON.stringify(stats)}\n`),
      (error: unknown) => {
        process.stderr.write(`shaping proxy did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  // The seed is printed even when drawn at random, so that any run can be replayed.
  process.stdout.write(`shaping proxy listening: ${proxy.url} -> ${upstream}, profile ${profileSpec}, seed ${proxy.seed}\n`);
}

runCli(main);
