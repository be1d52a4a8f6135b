import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigurationError } from './errors.js';

const isP256 = (key: KeyObject): boolean => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

/** The issuer's signing key: a PEM private key on EC P-256, as ES256 assertions need. */
export function ecP256PrivateKey(pem: string, name: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigurationError(`${name} does not hold a PEM private key`);
  }
  if (!isP256(key)) throw new ConfigurationError(`${name} must be an EC P-256 key (ES256 assertions need one)`);
  return key;
}

/** A key that verifies the issuer's assertions: a PEM public key (or a key object) on EC P-256. */
export function ecP256PublicKey(key: string | KeyObject, name: string): KeyObject {
  let publicKey: KeyObject;
  try {
    publicKey = typeof key === 'string' ? createPublicKey(key) : key;
  } catch {
    throw new ConfigurationError(`${name} does not hold a PEM public key`);
  }
  if (!isP256(publicKey)) throw new ConfigurationError(`${name} must be an EC P-256 key (ES256 assertions need one)`);
  return publicKey;
}
