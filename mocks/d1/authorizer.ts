import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { D1Fault } from './faults.js';
import type { IssuerRegistration } from './options.js';

export type GrantResult =
  | { readonly granted: true; readonly body: Readonly<Record<string, unknown>> }
  | { readonly granted: false; readonly field: string; readonly reason: string };

export type BearerCheck = { readonly valid: true; readonly issuerId: string } | { readonly valid: false; readonly reason: string };

interface IssuedToken {
  readonly issuerId: string;
  readonly expiresAt: number;
  /** The check's answer while the token is valid, made once. */
  readonly bearer: BearerCheck;
}

const MAX_ASSERTION_LIFETIME_SECONDS = 15 * 60;
const SCOPE = 'd1-api:card:full d1-api:consumer:full d1-api:clicktopay:full';

/**
 * D1's token endpoint and its bearer check: an ES256 JWT assertion signed with a key D1 holds for the issuer
 * (selected by kid), iss and sub equal to the issuerId, exp at most 15 minutes ahead; in exchange an opaque access
 * token valid for 900 seconds, required on every other call.
 */
export class Authorizer {
  private readonly keys = new Map<string, { issuerId: string; key: KeyObject }[]>();
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    issuers: readonly IssuerRegistration[],
    private readonly tokenLifetimeSeconds: number,
    private readonly clockSkewSeconds: number,
    private readonly faults: ReadonlySet<D1Fault>,
  ) {
    for (const issuer of issuers) {
      for (const { kid, publicKey } of issuer.keys) {
        const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
        this.keys.set(kid, [...(this.keys.get(kid) ?? []), { issuerId: issuer.issuerId, key }]);
      }
    }
  }

  async grant(form: Readonly<Record<string, unknown>>): Promise<GrantResult> {
    const assertion = form.assertion;
    if (typeof assertion !== 'string') return { granted: false, field: 'assertion', reason: 'no assertion' };
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      return { granted: false, field: 'assertion', reason: 'the assertion is not a JWT' };
    }
    if (header.alg !== 'ES256') return { granted: false, field: 'assertion', reason: 'the assertion is not signed with ES256' };
    if (typeof header.kid !== 'string') return { granted: false, field: 'assertion', reason: 'the assertion header has no kid' };
    const candidates = (this.keys.get(header.kid) ?? []).filter((k) => k.issuerId === claims.iss);
    const match = candidates[0];
    if (!match) return { granted: false, field: 'assertion', reason: 'no key is registered for this kid and iss' };
    if (!this.faults.has('assertion-sub-unchecked') && claims.sub !== match.issuerId) {
      return { granted: false, field: 'assertion', reason: 'sub is not the issuerId' };
    }
    if (typeof claims.exp !== 'number' || !Number.isInteger(claims.exp)) {
      return { granted: false, field: 'assertion', reason: 'exp is missing or not an integer' };
    }
    const now = Math.floor(Date.now() / 1000);
    if (!this.faults.has('assertion-exp-unbounded') && claims.exp > now + MAX_ASSERTION_LIFETIME_SECONDS + this.clockSkewSeconds) {
      return { granted: false, field: 'assertion', reason: 'exp lies more than 15 minutes ahead' };
    }
    try {
      await jwtVerify(assertion, match.key, { algorithms: ['ES256'], clockTolerance: this.clockSkewSeconds });
    } catch {
      return { granted: false, field: 'assertion', reason: 'the signature does not verify or the assertion expired' };
    }
    const lifetime = this.faults.has('token-lifetime-one-hour') ? 3600 : this.tokenLifetimeSeconds;
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      issuerId: match.issuerId,
      expiresAt: Date.now() + lifetime * 1000,
      bearer: { valid: true, issuerId: match.issuerId },
    });
    return { granted: true, body: { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, scope: SCOPE } };
  }

  check(authorization: string | undefined): BearerCheck {
    // A token this mock issued is looked up at once; only a refusal needs the header's syntax checked to say why.
    const issued = authorization?.startsWith('Bearer ') ? this.tokens.get(authorization.slice(7)) : undefined;
    if (issued && (issued.expiresAt > Date.now() || this.faults.has('expired-token-accepted'))) return issued.bearer;
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization ?? '');
    if (!match?.[1]) return { valid: false, reason: authorization ? 'not a bearer token' : 'no Authorization header' };
    const token = this.tokens.get(match[1]);
    if (!token) return { valid: false, reason: 'unknown token' };
    if (token.expiresAt <= Date.now() && !this.faults.has('expired-token-accepted')) {
      this.tokens.delete(match[1]);
      return { valid: false, reason: 'expired token' };
    }
    return token.bearer;
  }

  /** Makes every token issued so far expired, so that a suite can check expired tokens without waiting 15 minutes. */
  expireAll(): void {
    for (const [token, issued] of this.tokens) this.tokens.set(token, { ...issued, expiresAt: Date.now() - 1 });
  }

  reset(): void {
    this.tokens.clear();
  }
}
