/**
 * The reference issuer's client as a command, standing for a bank's backend in a CI pipeline:
 *   npm run mock:issuer-client -- --d1 http://127.0.0.1:4020 --private-key bank.pem --kid bank-key-1
 * It drives the whole certification plan against the D1 given (the observer of `npm run certify -- --observe`),
 * prints one line per step refused, and exits 0 once it has run the plan, 1 when D1 refused a step.
 */
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { OperationId } from '../../gen/operations.js';
import { D1Client } from '../../lib/d1-client.js';
import { send } from '../../lib/http/client.js';
import { parseCommandLine, runCli } from '../../lib/config/command-line.js';
import { ConfigurationError } from '../../lib/config/errors.js';
import { ecP256PrivateKey } from '../../lib/config/keys.js';
import { httpUrl, issuerId as issuerIdOf } from '../../lib/config/values.js';
import { DEFAULT_ISSUER_ID } from './index.js';
import { ReferenceClient } from './reference-client.js';

const USAGE = `usage: mock:issuer-client --d1 ORIGIN --private-key FILE --kid KID [--issuer-id ID] [--skip OPERATION]...
  --d1 ORIGIN        where D1 (or the observer) listens; banking under /banking, OAuth under /authz/v1
  --private-key FILE the bank's EC P-256 private key (PEM) whose public half the observer was given
  --kid KID          its key id
  --skip OPERATION   leave out a journey, as a backend that has not built it yet (e.g. clickToPayEnrol)`;

async function main(): Promise<void> {
  const values = parseCommandLine(process.argv.slice(2), {
    d1: { type: 'string' },
    'private-key': { type: 'string' },
    kid: { type: 'string' },
    'issuer-id': { type: 'string' },
    skip: { type: 'string', multiple: true },
    help: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.d1 || !values['private-key'] || !values.kid)
    throw new ConfigurationError(`--d1, --private-key and --kid are required\n${USAGE}`);
  const origin = new URL(httpUrl(values.d1, '--d1')).origin;
  const issuerId = issuerIdOf(values['issuer-id'] ?? DEFAULT_ISSUER_ID, '--issuer-id');
  let privateKeyPem: string;
  try {
    privateKeyPem = readFileSync(values['private-key'], 'utf8');
  } catch {
    throw new ConfigurationError(`--private-key: no file at ${values['private-key']}`);
  }
  const privateKey = ecP256PrivateKey(privateKeyPem, `--private-key ${values['private-key']}`);
  const client = new ReferenceClient(
    new D1Client({
      bankingUrl: `${origin}/banking`,
      authUrl: `${origin}/authz/v1`,
      issuerId,
      keyId: values.kid,
      privateKey,
    }),
  );
  // A recording mock publishes its card-data key there; in front of a real D1 the bank has its own.
  const cardDataJwk = (await send({ method: 'GET', url: `${origin}/__mock/card-data-key` })).json as JWK;
  const { refused } = await client.runPlan(cardDataJwk, { skip: (values.skip ?? []) as OperationId[] });
  for (const line of refused) process.stdout.write(`refused: ${line}\n`);
  process.stdout.write(`bank client: the certification plan ran${refused.length > 0 ? `, ${refused.length} steps refused` : ''}\n`);
  if (refused.length > 0) process.exitCode = 1;
}

runCli(main);
