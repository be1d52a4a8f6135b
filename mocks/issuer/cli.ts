/**
 * The reference issuer as a command:
 *   npm run mock:issuer -- --port 8081 --client-secret s3cret --fault card-batch-rejected
 *   npm run mock:issuer -- --variant media-type-415 --variant unknown-card-refused --known-card crd_mine_0001
 * Prints one line with the base and auth URLs once listening, then one line per request; stops on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseCommandLine, runCli } from '../../lib/config/command-line.js';
import { ConfigurationError, listeningOn } from '../../lib/config/errors.js';
import { issuerId as issuerIdOf, port as portOf, positiveInteger } from '../../lib/config/values.js';
import type { ConsumerInfo } from './consumer-directory.js';
import { issuerFaults } from './faults.js';
import { startReferenceIssuer } from './index.js';
import { issuerVariants } from './variants.js';

/** Read from the environment when --client-secret is absent, so the secret stays out of the process list. */
export const CLIENT_SECRET_VARIABLE = 'ISSUER_CLIENT_SECRET';

const USAGE = `usage: mock:issuer [--port N] [--issuer-id ID] [--client-id ID] [--client-secret SECRET] [--token-lifetime SECONDS]
                  [--no-bearer] [--consumer-file PATH] [--restricted-consumer ID]... [--known-card ID]...
                  [--fault NAME]... [--variant NAME]...
faults: ${Object.keys(issuerFaults).join(', ')}
variants: ${Object.keys(issuerVariants).join(', ')}`;

const lifetimeOption = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : positiveInteger(value, '--token-lifetime');

function consumersFromFile(path: string | undefined): Record<string, ConsumerInfo> | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`--consumer-file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`--consumer-file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`--consumer-file ${path} must hold an object mapping each consumerId to its consumerInfo`);
  }
  // Each consumerInfo is checked against the contract when the issuer starts.
  return parsed as Record<string, ConsumerInfo>;
}

async function main(): Promise<void> {
  const values = parseCommandLine(process.argv.slice(2), {
    port: { type: 'string' },
    'issuer-id': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'token-lifetime': { type: 'string' },
    'no-bearer': { type: 'boolean' },
    'consumer-file': { type: 'string' },
    'restricted-consumer': { type: 'string', multiple: true },
    'known-card': { type: 'string', multiple: true },
    fault: { type: 'string', multiple: true },
    variant: { type: 'string', multiple: true },
    help: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const givenSecret = values['client-secret'] ?? process.env[CLIENT_SECRET_VARIABLE];
  const tokenLifetimeSeconds = lifetimeOption(values['token-lifetime']);
  const consumers = consumersFromFile(values['consumer-file']);
  const port = portOf(values.port, '--port');

  const running = await listeningOn('--port', port, () =>
    startReferenceIssuer({
      port,
      requireBearer: !values['no-bearer'],
      faults: values.fault ?? [],
      variants: values.variant ?? [],
      log: (line) => process.stdout.write(`${line}\n`),
      ...(values['issuer-id'] === undefined ? {} : { issuerId: issuerIdOf(values['issuer-id'], '--issuer-id') }),
      ...(values['client-id'] === undefined ? {} : { clientId: values['client-id'] }),
      ...(givenSecret === undefined ? {} : { clientSecret: givenSecret }),
      ...(tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds }),
      ...(consumers === undefined ? {} : { consumers }),
      ...(values['restricted-consumer'] === undefined ? {} : { restrictedConsumers: values['restricted-consumer'] }),
      ...(values['known-card'] === undefined ? {} : { cards: values['known-card'] }),
    }),
  );

  // Listening for the signals before the first line: whoever reads it may stop the issuer at once.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // A second signal while stopping (a terminal's Ctrl-C pressed twice) changes nothing: the first one is being honoured.
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => process.stdout.write(`reference issuer stopped (${signal})\n`),
      (error: unknown) => {
        process.stderr.write(`reference issuer did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  process.stdout.write(
    `reference issuer listening: ISSUER_BASE_URL=${running.url} ISSUER_AUTH_URL=${running.authUrl} ` +
      `issuerId=${running.issuerId} clientId=${running.clientId}\n`,
  );
  if (givenSecret === undefined) {
    // The generated secret is never printed: logs outlive the run. Whoever needs a token chooses the secret.
    process.stdout.write(
      `note: no --client-secret or ${CLIENT_SECRET_VARIABLE} given; ` +
        'a random secret was generated and is not shown, so no token can be obtained\n',
    );
  }
  if (values.fault !== undefined && values.fault.length > 0) process.stdout.write(`faults on: ${values.fault.join(', ')}\n`);
  if (values.variant !== undefined && values.variant.length > 0) process.stdout.write(`variants on: ${values.variant.join(', ')}\n`);
}

runCli(main);
