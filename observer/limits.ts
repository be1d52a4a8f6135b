/** The thresholds of the usage rules the documents give no number for; each is an option of the observer. */
export interface UsageLimits {
  /** A new token asked while the previous one still had more than this left is not reuse. */
  readonly tokenRenewalMarginSeconds: number;
  /** More enrol calls than this within any one second is bulk enrolment. */
  readonly maxEnrolmentsPerSecond: number;
  /** Writes answered this close to the end of the observation are too recent to judge their follow-up. */
  readonly followUpGraceSeconds: number;
  /** Allowance for the difference between the issuer's clock and the observer's, for exp. */
  readonly clockSkewSeconds: number;
}

export const DEFAULT_LIMITS: UsageLimits = {
  tokenRenewalMarginSeconds: 120,
  maxEnrolmentsPerSecond: 10,
  followUpGraceSeconds: 2,
  clockSkewSeconds: 30,
};
