import { apis, type rules } from '../../gen/catalogue.js';
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
