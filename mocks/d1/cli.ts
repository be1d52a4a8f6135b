/**
 * `npm run mock:d1 -- [options]`: the mock D1 as a process, for a bank developing against it or for a suite pointed at
 * it through D1_BASE_URL and D1_AUTH_URL. Without an issuer key it makes one and says where it wrote it. A wrong
 * option stops it with one line and exit code 2.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCommandLine, runCli } from '../../lib/config/command-line.js';
import { ConfigurationError, listeningOn } from '../../lib/config/errors.js';
import { issuerBackendFrom } from '../../lib/config/issuer-backend.js';
import { issuerId as issuerIdOf, numberAtLeast, port } from '../../lib/config/values.js';
import { faultSet } from '../faults.js';
import { d1Faults, startMockD1 } from './index.js';
import { d1VariantSet } from './variants.js';
import type { FinalStatus, IssuerBackend } from './options.js';

const finalStatus = (value: string | undefined, flag: string): FinalStatus | undefined => {
  if (value === undefined) return undefined;
  if (value !== 'SUCCESSFUL' && value !== 'FAILED') throw new ConfigurationError(`${flag} must be SUCCESSFUL or FAILED, got "${value}"`);
  return value;
};

const positive = (value: string | undefined, flag: string): number | undefined =>
  value === undefined ? undefined : numberAtLeast(value, flag);

/** Where a key pair made for a run without a key was written: paths only, the key itself is never printed. */
interface GeneratedKeyFiles {
  readonly privateJwk: string;
  readonly publicJwk: string;
  readonly privatePem: string;
}

/**
 * A fresh ES256 key pair for the issuer's D1 client, in a directory of its own under the system's temporary one: the
 * private and public JWK (with the kid), and the private key as PEM for D1_PRIVATE_KEY.
 */
function generateIssuerKeyFiles(kid: string): { publicKey: KeyObject; files: GeneratedKeyFiles } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // mkdtemp makes the directory readable by its owner only; the private files are too.
  const dir = mkdtempSync(path.join(tmpdir(), 'mock-d1-issuer-key-'));
  const files = {
    privateJwk: path.join(dir, 'issuer-private.jwk.json'),
    publicJwk: path.join(dir, 'issuer-public.jwk.json'),
    privatePem: path.join(dir, 'issuer-private.pem'),
  };
  const jwk = (key: KeyObject): string =>
    JSON.stringify({ ...key.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }, null, 2) + '\n';
  writeFileSync(files.privateJwk, jwk(privateKey), { mode: 0o600 });
  writeFileSync(files.publicJwk, jwk(publicKey));
  writeFileSync(files.privatePem, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { publicKey, files };
}

function publicKeyFrom(
  values: { 'public-key'?: string; 'generate-key'?: string },
  kid: string,
): { publicKey: string | KeyObject; generated?: GeneratedKeyFiles } {
  if (values['public-key'] && values['generate-key']) throw new ConfigurationError('--public-key and --generate-key exclude each other');
  if (values['public-key']) {
    if (!existsSync(values['public-key'])) throw new ConfigurationError(`--public-key: no file at ${values['public-key']}`);
    return { publicKey: readFileSync(values['public-key'], 'utf8') };
  }
  if (values['generate-key']) {
    // A fresh issuer key pair: the private half goes to the file for the issuer's backend, D1 keeps the public half.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(values['generate-key'], privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }
  const { publicKey, files } = generateIssuerKeyFiles(kid);
  return { publicKey, generated: files };
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
  const issuerId = issuerIdOf(values['issuer-id'] ?? 'TESTBANK01', '--issuer-id');
  const kid = values.kid ?? 'issuer-key-1';
  const listenPort = port(values.port, '--port');
  const address = issuerBackendFrom(values);
  const backend: IssuerBackend | undefined = address
    ? {
        ...address,
        cardNotifications: !values['no-card-notifications'],
        consumerNotifications: !values['no-consumer-notifications'],
      }
    : undefined;
  const repeatedEnrol = finalStatus(values['repeated-enrol'], '--repeated-enrol');
  const repeatedCardOptout = finalStatus(values['repeated-card-optout'], '--repeated-card-optout');
  const operationDelayMs = positive(values['operation-delay'], '--operation-delay');
  const tokenLifetimeSeconds = positive(values['token-lifetime'], '--token-lifetime');
  const faults = values.fault ?? [];
  // Repeatable, and each occurrence may be a comma list.
  const variants = (values.variant ?? [])
    .flatMap((list) => list.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  // Checked here too, before a key pair is made, so that a wrong option leaves none behind.
  faultSet(d1Faults, faults);
  d1VariantSet(variants);
  const { publicKey, generated } = publicKeyFrom(values, kid);

  const d1 = await listeningOn('--port', listenPort, () =>
    startMockD1({
      issuers: [{ issuerId, keys: [{ kid, publicKey }], ...(backend ? { backend } : {}) }],
      port: listenPort,
      ...(values.host ? { host: values.host } : {}),
      ...(operationDelayMs !== undefined ? { operationDelayMs } : {}),
      ...(tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds } : {}),
      behaviour: {
        ...(repeatedEnrol ? { repeatedEnrol } : {}),
        ...(repeatedCardOptout ? { repeatedCardOptout } : {}),
        notifyPending: !values['no-pending-notifications'],
      },
      faults,
      variants,
      autoEnrolment: values['auto-enrolment'] === true,
      log: values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
    }),
  );
  // Listening for the signals before the banner: whoever reads the banner may stop the mock at once.
  let stopping = false;
  const stop = (): void => {
    // A second signal while stopping (a terminal's Ctrl-C pressed twice) changes nothing: the first one is being honoured.
    if (stopping) return;
    stopping = true;
    void d1.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(
    `mock D1 listening: D1_BASE_URL=${d1.bankingUrl} D1_AUTH_URL=${d1.authUrl} issuer ${issuerId}, kid ${kid}` +
      (d1.faults.size > 0 ? `, faults: ${[...d1.faults].join(', ')}` : '') +
      (d1.variants.size > 0 ? `, variants: ${[...d1.variants].join(', ')}` : '') +
      '\n',
  );
  if (generated) {
    // The line after the URLs, so that the first line stays the one to read them from.
    process.stdout.write(
      `no --public-key given: an issuer key pair (kid ${kid}) was generated; private JWK ${generated.privateJwk}, ` +
        `public JWK ${generated.publicJwk}, D1_PRIVATE_KEY=${generated.privatePem}\n`,
    );
  }
}

runCli(main);
