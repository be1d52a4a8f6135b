import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { witness } from './evidence/witness.js';

/** What the issuer sends, encrypted, when it registers, renews or replaces a card. */
export interface CardData {
  readonly pan: string;
  /** MMYY */
  readonly expiry?: string;
}

/** The shape of a card number (PAN): 13 to 19 digits. */
export const CARD_NUMBER_SHAPE = /^\d{13,19}$/;

export const CARD_DATA_ALGORITHM = 'ECDH-ES+A256KW';
export const CARD_DATA_ENCRYPTION = 'A256GCM';

/** Encrypts card data as a compact JWE for D1's card-data public key (a P-256 JWK). */
export async function encryptCardData(publicJwk: JWK, data: CardData): Promise<string> {
  witness('card number', data.pan);
  const key = await importJWK(publicJwk, CARD_DATA_ALGORITHM);
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(data)))
    .setProtectedHeader({ alg: CARD_DATA_ALGORITHM, enc: CARD_DATA_ENCRYPTION, ...(publicJwk.kid ? { kid: publicJwk.kid } : {}) })
    .encrypt(key);
}

/** The payment network of a card number, from its leading digits; undefined for networks D1 Click to Pay does not serve. */
export function schemeOfPan(pan: string): 'VISA' | 'MASTERCARD' | undefined {
  if (/^4\d{12,18}$/.test(pan)) return 'VISA';
  if (/^5[1-5]\d{14}$/.test(pan)) return 'MASTERCARD';
  const prefix = Number(pan.slice(0, 4));
  if (/^2\d{15}$/.test(pan) && prefix >= 2221 && prefix <= 2720) return 'MASTERCARD';
  return undefined;
}
