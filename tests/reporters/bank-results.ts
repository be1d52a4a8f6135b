import { apis, type rules } from '../../gen/catalogue.js';
import type { TargetNetwork } from '../../lib/http/pacing.js';
import type { CertifiedTest } from '../../reporters/certification.js';
import { OBSERVE_PROJECT } from '../../reporters/compliance-summary.js';

/** Whether the bank hosts the rule's API (the suite judges it) or calls it (the observation does). */
export const hostedByBank = (rule: (typeof rules)[number]): boolean => apis.find((a) => a.id === rule.api)?.direction === 'd1-to-issuer';

/** A passing result of one rule, from the evidence that judges the bank for it, as the summaries' tests build them. */
export function passingBankResult(rule: (typeof rules)[number], calls: number): CertifiedTest {
  const hosted = hostedByBank(rule);
  return {
    project: hosted ? 'issuer' : OBSERVE_PROJECT,
    subject: 'bank',
    title: `${hosted ? 'checks' : 'observed'} ${rule.id}`,
    file: 'x.ts',
    rules: [rule.id],
    category: rule.category,
    provenance: rule.provenance,
    outcome: 'passed',
    failure: undefined,
    ...(hosted ? {} : { calls }),
    error: undefined,
  };
}

/** How the network to one target behaved, as certification/network.json holds it; faults not given are none. */
export function targetNetwork(
  target: TargetNetwork['target'],
  figures: Partial<Omit<TargetNetwork, 'faults'>> & { readonly faults?: Partial<TargetNetwork['faults']> } = {},
): TargetNetwork {
  const none = { throttled: 0, unavailable: 0, 'bad-gateway': 0, 'gateway-timeout': 0, refused: 0, reset: 0, unreachable: 0, timeout: 0 };
  return {
    target,
    requests: 100,
    peakRate: 10,
    retries: 0,
    gaveUp: 0,
    notTried: 0,
    answered: 100,
    latencyMs: { p50: 10, p95: 20 },
    waitedMs: 0,
    limit: { rate: 'adaptive', inFlight: undefined, finalRate: undefined },
    ...figures,
    faults: { ...none, ...figures.faults },
  };
}
