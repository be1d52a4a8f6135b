/**
 * `npm run certify:compare A B`: what changed from certification A (the baseline) to certification B (the newer), each
 * a reports directory or a compliance-summary.json: rules newly failed, fixed, still failing, newly warned, warnings
 * gone, rows whose verdict or evidence changed, security findings new and gone, and both runs' versions
 * (reporters/comparison.ts). Prints the comparison as Markdown.
 *
 * Exit codes: 0 nothing got worse; 1 a rule newly failed or a security finding is new; 2 wrong input (not two paths,
 * or a path that holds no compliance summary), in one line.
 */
import { ConfigurationError, configurationErrorLine } from '../lib/config/errors.js';
import { readComparedSummary } from '../reporters/certification-evidence.js';
import { compareSummaries, comparisonMarkdown } from '../reporters/comparison.js';

const USAGE = 'npm run certify:compare <baseline> <newer>, each a reports directory or a compliance-summary.json';

function main(args: readonly string[]): number {
  const options = args.filter((a) => a.startsWith('--'));
  if (options.length > 0) throw new ConfigurationError(`${options[0] ?? ''} is not an option of certify:compare: ${USAGE}`);
  const [baselinePath, newerPath] = args;
  if (args.length !== 2 || baselinePath === undefined || newerPath === undefined)
    throw new ConfigurationError(`certify:compare needs two certifications, got ${args.length}: ${USAGE}`);
  const baseline = readComparedSummary(baselinePath, 'the baseline');
  const newer = readComparedSummary(newerPath, 'the newer certification');
  const comparison = compareSummaries(baseline.summary, newer.summary, { baseline: baseline.source, current: newer.source });
  process.stdout.write(comparisonMarkdown(comparison));
  return comparison.worse ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(configurationErrorLine(error));
  process.exitCode = 2;
}
