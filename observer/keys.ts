/**
 * The issuer's public keys as the observer takes them: a PEM file with its kid, a JWKS or JWK file, or the public half
 * of the private key the issuer signs with (D1_PRIVATE_KEY). Shared by `npm run observe` and `npm run certify`.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IssuerKey } from '../mocks/d1/index.js';
import { ConfigurationError } from '../lib/config/errors.js';
import { ecP256PrivateKey, ecP256PublicKey } from '../lib/config/keys.js';

export const readFile = (file: string, what: string): string => {
  if (!existsSync(file)) throw new ConfigurationError(`${what}: no file at ${file}`);
  return readFileSync(file, 'utf8');
};

/** The keys of a JWKS (`{"keys": [...]}`) or of a single JWK, each with its kid. */
function keysOfJwks(text: string, file: string, fallbackKid: string | undefined): IssuerKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`--public-key ${file} is neither PEM nor JSON`);
  }
  const list = (parsed as { keys?: unknown }).keys ?? [parsed];
  if (!Array.isArray(list) || list.length === 0) throw new ConfigurationError(`--public-key ${file} holds no key`);
  return list.map((jwk: unknown, index) => {
    const kid = (jwk as { kid?: unknown }).kid ?? (list.length === 1 ? fallbackKid : undefined);
    if (typeof kid !== 'string' || kid === '')
      throw new ConfigurationError(`--public-key ${file}: key ${index + 1} has no kid (give it one, or --kid for a single key)`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      throw new ConfigurationError(`--public-key ${file}: key ${kid} is not a public JWK`);
    }
    return { kid, publicKey };
  });
}

/** The issuer's public keys: --public-key (PEM with --kid or D1_KEY_ID, or JWKS), else derived from D1_PRIVATE_KEY. */
export function issuerKeys(file: string | undefined, kid: string | undefined): IssuerKey[] {
  if (file) {
    const text = readFile(file, '--public-key');
    if (!text.includes('-----BEGIN')) return keysOfJwks(text, file, kid);
    if (!kid) throw new ConfigurationError('--public-key is a PEM key: give its kid with --kid or D1_KEY_ID');
    return [{ kid, publicKey: ecP256PublicKey(text, `--public-key ${file}`) }];
  }
  const privateKeyFile = process.env.D1_PRIVATE_KEY?.trim();
  if (!privateKeyFile) return [];
  if (!kid) throw new ConfigurationError('D1_PRIVATE_KEY is set but D1_KEY_ID is not; give the kid with --kid or D1_KEY_ID');
  // Only the public half is kept: the observer verifies, it never signs.
  return [{ kid, publicKey: createPublicKey(ecP256PrivateKey(readFile(privateKeyFile, 'D1_PRIVATE_KEY'), 'D1_PRIVATE_KEY')) }];
}
