import { randomBytes } from 'node:crypto';

export interface IssuedToken {
  /** 32 random bytes, base64url: opaque to D1, which only sends it back after Bearer. */
  readonly accessToken: string;
  readonly expiresAt: Date;
}

/** The access tokens the issuer granted, each valid until its lifetime ends. */
export class TokenStore {
  private readonly expiryByToken = new Map<string, number>();
  private issued = 0;

  constructor(
    private readonly lifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): IssuedToken {
    this.forgetExpired();
    const accessToken = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.lifetimeSeconds * 1000;
    this.expiryByToken.set(accessToken, expiresAt);
    this.issued += 1;
    return { accessToken, expiresAt: new Date(expiresAt) };
  }

  /** Takes in a token another server granted for this issuer (the OAuth server variant), valid until `expiresAt`. */
  accept(accessToken: string, expiresAt: Date): void {
    this.forgetExpired();
    this.expiryByToken.set(accessToken, expiresAt.getTime());
    this.issued += 1;
  }

  /** Whether the token was granted here and has not expired; tokens are reusable until then (ISSUER-TOKEN-REUSE). */
  isValid(accessToken: string | undefined): boolean {
    if (accessToken === undefined) return false;
    const expiresAt = this.expiryByToken.get(accessToken);
    return expiresAt !== undefined && this.now() < expiresAt;
  }

  get issuedCount(): number {
    return this.issued;
  }

  clear(): void {
    this.expiryByToken.clear();
    this.issued = 0;
  }

  // Keeps a long-running issuer's memory bounded by the tokens still alive.
  private forgetExpired(): void {
    const now = this.now();
    for (const [token, expiresAt] of this.expiryByToken) if (expiresAt <= now) this.expiryByToken.delete(token);
  }
}
