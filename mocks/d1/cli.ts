/**
 * `npm run mock:d1 -- [options]`: the mock D1 as a process, for a bank developing against it or for a suite pointed at
 * it through D1_BASE_URL and D1_AUTH_URL. A wrong option stops it with one line and exit code 2.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseCommandLine, portOption, runCli } from '../cli-options.js';
import { ConfigurationError } from '../faults.js';
import { startMockD1 } from './index.js';
import type { FinalStatus, IssuerBackend } from './options.js';

const finalStatus = (value: string | undefined, flag: string): FinalStatus | undefined => {
  if (value === undefined) return undefined;
  if (value !== 'SUCCESSFUL' && value !== 'FAILED') throw new ConfigurationError(`${flag} must be SUCCESSFUL or FAILED, got "${value}"`);
  return value;
};

const positive = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new ConfigurationError(`${flag} must be a number of 0 or more, got "${value}"`);
  return number;
};

function publicKeyFrom(values: { 'public-key'?: string; 'generate-key'?: string }): string {
  if (values['public-key'] && values['generate-key']) throw new ConfigurationError('--public-key and --generate-key exclude each other');
  if (values['public-key']) {
    if (!existsSync(values['public-key'])) throw new ConfigurationError(`--public-key: no file at ${values['public-key']}`);
    return readFileSync(values['public-key'], 'utf8');
  }
  if (values['generate-key']) {
    // A fresh issuer key pair: the private half goes to the file for the issuer's backend, D1 keeps the public half.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(values['generate-key'], privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
  throw new ConfigurationError('give the issuer public key with --public-key FILE, or --generate-key FILE to create a key pair');
}

async function main(): Promise<void> {
  const values = parseCommandLine(process.argv.slice(2), {
    port: { type: 'string' },
    host: { type: 'string' },
    'issuer-id': { type: 'string' },
    kid: { type: 'string' },
    'public-key': { type: 'string' },
    'generate-key': { type: 'string' },
    'issuer-url': { type: 'string' },
    'issuer-auth-url': { type: 'string' },
    'issuer-client-id': { type: 'string' },
    'no-card-notifications': { type: 'boolean' },
    'no-consumer-notifications': { type: 'boolean' },
    'operation-delay': { type: 'string' },
    'token-lifetime': { type: 'string' },
    'repeated-enrol': { type: 'string' },
    'repeated-card-optout': { type: 'string' },
    'no-pending-notifications': { type: 'boolean' },
    'auto-enrolment': { type: 'boolean' },
    fault: { type: 'string', multiple: true },
    variant: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
  });
  const issuerId = values['issuer-id'] ?? 'TESTBANK01';
  const kid = values.kid ?? 'issuer-key-1';
  const publicKey = publicKeyFrom(values);
  // The client secret comes from the environment so that it never shows in a process list.
  const clientSecret = process.env.MOCK_D1_ISSUER_CLIENT_SECRET;
  if (values['issuer-auth-url'] && (!values['issuer-client-id'] || !clientSecret)) {
    throw new ConfigurationError('--issuer-auth-url needs --issuer-client-id and the MOCK_D1_ISSUER_CLIENT_SECRET environment variable');
  }
  const backend: IssuerBackend | undefined = values['issuer-url']
    ? {
        baseUrl: values['issuer-url'].replace(/\/$/, ''),
        ...(values['issuer-auth-url']
          ? { authUrl: values['issuer-auth-url'].replace(/\/$/, ''), clientId: values['issuer-client-id'], clientSecret }
          : {}),
        cardNotifications: !values['no-card-notifications'],
        consumerNotifications: !values['no-consumer-notifications'],
      }
    : undefined;
  const repeatedEnrol = finalStatus(values['repeated-enrol'], '--repeated-enrol');
  const repeatedCardOptout = finalStatus(values['repeated-card-optout'], '--repeated-card-optout');
  const operationDelayMs = positive(values['operation-delay'], '--operation-delay');
  const tokenLifetimeSeconds = positive(values['token-lifetime'], '--token-lifetime');

  const d1 = await startMockD1({
    issuers: [{ issuerId, keys: [{ kid, publicKey }], ...(backend ? { backend } : {}) }],
    port: portOption(values.port),
    ...(values.host ? { host: values.host } : {}),
    ...(operationDelayMs !== undefined ? { operationDelayMs } : {}),
    ...(tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds } : {}),
    behaviour: {
      ...(repeatedEnrol ? { repeatedEnrol } : {}),
      ...(repeatedCardOptout ? { repeatedCardOptout } : {}),
      notifyPending: !values['no-pending-notifications'],
    },
    faults: values.fault ?? [],
    // Repeatable, and each occurrence may be a comma list.
    variants: (values.variant ?? [])
      .flatMap((list) => list.split(','))
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    autoEnrolment: values['auto-enrolment'] === true,
    log: values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `mock D1 listening: D1_BASE_URL=${d1.bankingUrl} D1_AUTH_URL=${d1.authUrl} issuer ${issuerId}, kid ${kid}${d1.faults.size > 0 ? `, faults: ${[...d1.faults].join(', ')}` : ''}${d1.variants.size > 0 ? `, variants: ${[...d1.variants].join(', ')}` : ''}\n`,
  );
  const stop = (): void => {
    void d1.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

runCli(main);
