import { createHash } from 'node:crypto';
import { compactDecrypt, exportJWK, generateKeyPair, type JWK } from 'jose';
import { CARD_DATA_ALGORITHM, CARD_NUMBER_SHAPE, type CardData } from '../../lib/card-data.js';

/**
 * The mock D1's card-data key: issuers encrypt PAN and expiry to its public half (served at
 * /__mock/card-data-key), and the mock decrypts them to learn the card's scheme. Card numbers are kept only as a
 * fingerprint, to refuse a number registered again after deletion.
 */
export class CardDataKey {
  private constructor(
    private readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'],
    readonly publicJwk: JWK,
  ) {}

  static async generate(): Promise<CardDataKey> {
    const { privateKey, publicKey } = await generateKeyPair(CARD_DATA_ALGORITHM, { crv: 'P-256', extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'mock-d1-card-data', alg: CARD_DATA_ALGORITHM, use: 'enc' };
    return new CardDataKey(privateKey, publicJwk);
  }

  /** The card data, or undefined when the value is not a JWE this key opens or does not hold a card number. */
  async decrypt(encryptedData: string): Promise<CardData | undefined> {
    try {
      const { plaintext } = await compactDecrypt(encryptedData, this.privateKey);
      const data = JSON.parse(new TextDecoder().decode(plaintext)) as Partial<CardData>;
      return typeof data.pan === 'string' && CARD_NUMBER_SHAPE.test(data.pan)
        ? { pan: data.pan, ...(data.expiry ? { expiry: data.expiry } : {}) }
        : undefined;
    } catch {
      return undefined;
    }
  }
}

export const panFingerprint = (pan: string): string => createHash('sha256').update(pan).digest('hex');
