/** The outcome of asking the bucket for one request: taken, or refused with the whole seconds until a token is free. */
export type TokenOutcome = { readonly taken: true } | { readonly taken: false; readonly retryAfterSeconds: number };

/**
 * A token bucket as API gateways limit a client: `burst` tokens, refilled continuously at `perSecond`, one per
 * request. It starts full. The clock is injectable so that its arithmetic can be checked without waiting.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  take(): TokenOutcome {
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = at;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { taken: true };
    }
    // Rounded up, and never 0: a client retrying after the advertised delay finds a token.
    const seconds = (1 - this.tokens) / this.perSecond;
    return { taken: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }
}
