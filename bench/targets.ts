/**
 * The performance targets of the project, in one place: `npm run bench` measures against them and
 * `npm run bench:check` judges a results file by them, so a target changed here is judged the same way everywhere.
 */

export type Comparison = 'at-least' | 'at-most' | 'below';

export interface TargetDefinition {
  readonly id: TargetId;
  /** What is measured, as the results table shows it. */
  readonly description: string;
  readonly unit: '×' | 'cases/s' | 's' | 'MiB' | '%' | 'tests';
  readonly comparison: Comparison;
  readonly threshold: number;
  /**
   * The section of a results file its step writes, for a target added after the first results: a file without that
   * section was written before the step existed, so its figure is not measured rather than missing.
   */
  readonly section?: 'networkLinks' | 'observer';
}

export type TargetId =
  | 'mock-d1-vs-prism'
  | 'mock-d1-vs-bare'
  | 'property-cases-per-second'
  | 'certify-wall-time'
  | 'external-certify-vs-embedded'
  | 'external-certify-vs-embedded-failing'
  | 'mock-d1-rss-after-100k'
  | 'network-latency-vs-loopback'
  | 'network-gateway-vs-floor'
  | 'network-gateway-refused-share'
  | 'network-unavailable-outcomes-differing'
  | 'observer-rss-after-1m'
  | 'observer-vs-mock-d1';

export const TARGETS: readonly TargetDefinition[] = [
  { id: 'mock-d1-vs-prism', description: "mock D1 requests/s ÷ Prism's", unit: '×', comparison: 'at-least', threshold: 15 },
  { id: 'mock-d1-vs-bare', description: "mock D1 requests/s ÷ bare node:http's", unit: '×', comparison: 'at-least', threshold: 0.6 },
  {
    id: 'property-cases-per-second',
    description: 'property cases per second, end to end',
    unit: 'cases/s',
    comparison: 'at-least',
    threshold: 5_000,
  },
  {
    id: 'certify-wall-time',
    description: 'full npm run certify on the embedded mocks (2 cores)',
    unit: 's',
    comparison: 'at-most',
    threshold: 40,
  },
  {
    id: 'external-certify-vs-embedded',
    description: 'npm run certify on both mocks as commands ÷ on the embedded mocks, conformant',
    unit: '×',
    comparison: 'at-most',
    threshold: 2,
  },
  {
    id: 'external-certify-vs-embedded-failing',
    description: 'npm run certify on both mocks as commands ÷ on the embedded mocks, with planted bugs failing tests',
    unit: '×',
    comparison: 'at-most',
    threshold: 2,
  },
  { id: 'mock-d1-rss-after-100k', description: 'mock D1 RSS after 100,000 requests', unit: 'MiB', comparison: 'below', threshold: 200 },
  {
    id: 'network-latency-vs-loopback',
    description: 'npm run certify, part of the suites, both mocks as commands: behind 80 ms latency ÷ on loopback',
    unit: '×',
    comparison: 'at-most',
    threshold: 1.3,
    section: 'networkLinks',
  },
  {
    id: 'network-gateway-vs-floor',
    description: 'npm run certify, part of the suites, both mocks as commands: behind a 20 requests/s gateway ÷ the floor it sets',
    unit: '×',
    comparison: 'at-most',
    threshold: 1.25,
    section: 'networkLinks',
  },
  {
    id: 'network-gateway-refused-share',
    description: 'requests refused (429) by that 20 requests/s gateway, share of those sent',
    unit: '%',
    comparison: 'at-most',
    threshold: 1,
    section: 'networkLinks',
  },
  {
    id: 'network-unavailable-outcomes-differing',
    description: 'tests whose outcome differs from loopback behind 1 % 503 with Retry-After: 1',
    unit: 'tests',
    comparison: 'at-most',
    threshold: 0,
    section: 'networkLinks',
  },
  {
    id: 'observer-rss-after-1m',
    description: 'observer RSS after 1,000,000 observed calls (recording, alone in its process)',
    unit: 'MiB',
    comparison: 'at-most',
    threshold: 300,
    section: 'observer',
  },
  {
    id: 'observer-vs-mock-d1',
    description: "observer requests/s in recording mode ÷ the mock D1's on the same profile reads (median of the rounds)",
    unit: '×',
    comparison: 'at-least',
    threshold: 0.5,
    section: 'observer',
  },
];

/** A target with the figure measured for it: `value` null when it was not measured (a skipped step). */
export interface TargetResult {
  readonly id: TargetId;
  readonly description: string;
  readonly unit: TargetDefinition['unit'];
  readonly comparison: Comparison;
  readonly target: number;
  readonly value: number | null;
  readonly met: boolean | null;
}

export function meets(definition: Pick<TargetDefinition, 'comparison' | 'threshold'>, value: number): boolean {
  switch (definition.comparison) {
    case 'at-least':
      return value >= definition.threshold;
    case 'at-most':
      return value <= definition.threshold;
    case 'below':
      return value < definition.threshold;
  }
}

/** Each target with its figure and whether it is met; a figure absent from `values` is not measured. */
export function evaluateTargets(values: Readonly<Partial<Record<TargetId, number | null>>>): TargetResult[] {
  return TARGETS.map((definition) => {
    const value = values[definition.id] ?? null;
    return {
      id: definition.id,
      description: definition.description,
      unit: definition.unit,
      comparison: definition.comparison,
      target: definition.threshold,
      value,
      met: value === null ? null : meets(definition, value),
    };
  });
}

const SYMBOL: Readonly<Record<Comparison, string>> = { 'at-least': '≥', 'at-most': '≤', below: '<' };

/** A figure in its unit, rounded as a reader wants it: `12.3×`, `2,140 cases/s`, `58.2 s`, `143.5 MiB`, `0.42 %`, `3 tests`. */
export function formatFigure(value: number, unit: TargetDefinition['unit']): string {
  switch (unit) {
    case '×':
      return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 })}×`;
    case 'cases/s':
      return `${Math.round(value).toLocaleString('en-US')} cases/s`;
    case 's':
    case 'MiB':
      return `${value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ${unit}`;
    case '%':
      // Two decimals: a share near the 1 % target reads apart from it.
      return `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
    case 'tests':
      return `${Math.round(value).toLocaleString('en-US')} ${Math.round(value) === 1 ? 'test' : 'tests'}`;
  }
}

/** The target as a condition: `≥ 10×`, `< 200 MiB`. */
export const formatTarget = (definition: Pick<TargetDefinition, 'comparison' | 'threshold' | 'unit'>): string =>
  `${SYMBOL[definition.comparison]} ` +
  (definition.unit === '×' ? `${definition.threshold}×` : `${definition.threshold.toLocaleString('en-US')} ${definition.unit}`);
