/**
 * `npm run certify:merge -- <shard reports dir> ... [--observation <dir>] ... [--output <dir>]`: turns the reports
 * directories of every shard of one sharded certification (`npm run certify -- --shard=K/N` on N machines, same SEED)
 * into the evidence one unsharded run writes: JUnit XML, certification results, Allure results and HTML report,
 * compliance summary.
 *
 * `--observation` (repeated) names the observations of several observers, one per backend instance or CI shard (a
 * reports directory of `npm run observe`, or its observation/ directory): their journals are judged as one
 * observation (token reuse per instance) and merged into the certification. With observations and no shard, the
 * merge writes that one observation's evidence and exits as `npm run observe` does: 0 no documented rule failed, 1
 * one did.
 *
 * Exit codes as `npm run certify`: 0 READY, 1 NOT READY or broken, 2 the shards do not make one run (a shard is
 * missing or repeated, or they ran with different seeds, targets or applicable APIs); one line says which.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigurationError, configurationErrorLine } from '../lib/config/errors.js';
import { mergeNetworks, type TargetNetwork } from '../lib/http/pacing.js';
import { dependencyFile, fromRoot, reportsDirectory, typeScriptEnvironment } from '../lib/paths.js';
import type { CertificationResults } from '../reporters/certification.js';
import {
  NETWORK_FILE,
  RUN_FILE,
  TESTS_FILE,
  clearEarlierEvidence,
  concludeCertification,
  type RunDescription,
} from '../reporters/certification-evidence.js';
import { observeReferenceClient } from '../observer/reference-pair.js';
import { JOURNAL_FILE, OBSERVATION_DIR, judgeJournals, writeObservationEvidence, type ObservationEvidence } from '../observer/index.js';
import { conditionalApis } from '../lib/config/conditional-apis.js';
import { journalDirectoryOf, sessionOf } from '../observer/journal.js';

interface Shard {
  readonly dir: string;
  readonly run: RunDescription;
}

function readShard(dir: string): Shard {
  const runFile = path.join(dir, RUN_FILE);
  if (!existsSync(runFile)) throw new ConfigurationError(`${dir} holds no sharded certification (no ${RUN_FILE})`);
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as RunDescription;
  if (!run.shard) throw new ConfigurationError(`${dir} holds an unsharded run; only shards are merged`);
  if (!existsSync(path.join(dir, 'blob-report')))
    throw new ConfigurationError(`${dir} has no blob-report; was it written by npm run certify -- --shard=K/N?`);
  return { dir, run };
}

/** The shards must be every shard of one run, each once. */
function checkShardsMakeOneRun(shards: readonly Shard[]): RunDescription {
  const first = shards[0]?.run;
  if (!first?.shard) throw new ConfigurationError('no shard directories given: npm run certify:merge -- <dir> <dir> ...');
  const same = (a: RunDescription, b: RunDescription): boolean =>
    a.seed === b.seed &&
    JSON.stringify(a.targets) === JSON.stringify(b.targets) &&
    a.applicableConditionalApis.join() === b.applicableConditionalApis.join();
  for (const shard of shards) {
    if (shard.run.shard?.total !== first.shard.total)
      throw new ConfigurationError(
        `${shard.dir} is a shard of ${shard.run.shard?.total ?? '?'}, ${shards[0]?.dir} of ${first.shard.total}`,
      );
    if (!same(shard.run, first)) {
      throw new ConfigurationError(
        `${shard.dir} ran with seed ${shard.run.seed} against ${shard.run.targets.d1}, ` +
          `${shards[0]?.dir} with seed ${first.seed} against ${first.targets.d1}; ` +
          'shards of one run share seed, targets and applicable APIs',
      );
    }
  }
  const seen = shards.map((s) => s.run.shard?.current ?? 0);
  for (let k = 1; k <= first.shard.total; k += 1) {
    const count = seen.filter((c) => c === k).length;
    if (count !== 1) throw new ConfigurationError(`shard ${k}/${first.shard.total} is ${count === 0 ? 'missing' : `given ${count} times`}`);
  }
  const { shard: _shard, ...whole } = first;
  return whole;
}

function parseArguments(args: readonly string[]): { dirs: string[]; observations: string[]; output: string } {
  const dirs: string[] = [];
  const observations: string[] = [];
  let output = reportsDirectory();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--output') output = args[(i += 1)] ?? '';
    else if (arg.startsWith('--output=')) output = arg.slice('--output='.length);
    else if (arg === '--observation') observations.push(journalDirectoryOf(args[(i += 1)] ?? '', '--observation'));
    else if (arg.startsWith('--observation=')) observations.push(journalDirectoryOf(arg.slice('--observation='.length), '--observation'));
    else if (arg.startsWith('-'))
      throw new ConfigurationError(
        `unknown option ${arg}; usage: npm run certify:merge -- <shard reports dir> ... [--observation <dir>] ... [--output <dir>]`,
      );
    else dirs.push(path.resolve(arg));
  }
  if (output === '') throw new ConfigurationError('--output needs a directory');
  return { dirs, observations, output: path.resolve(output) };
}

/** The observations of several observers judged as one, written into the output as one observation's evidence. */
function mergeObservations(dirs: readonly string[], output: string, applicable: ReadonlySet<string>): ObservationEvidence {
  const fingerprints = new Set(dirs.map((dir) => sessionOf(path.join(dir, JOURNAL_FILE)).key));
  if (fingerprints.size > 1)
    process.stderr.write(
      'certify:merge: the observations were kept under different journal keys: a value one instance saw does not compare ' +
        'with the same value another saw (give every observer the same OBSERVER_JOURNAL_KEY)\n',
    );
  const evidence = judgeJournals(dirs.map((dir, index) => ({ dir, instance: `instance-${index + 1}` })));
  writeObservationEvidence(evidence, output, applicable);
  rmSync(path.join(output, OBSERVATION_DIR, 'reference-client'), { force: true });
  return evidence;
}

async function main(): Promise<number> {
  let shards: Shard[];
  let run: RunDescription;
  let output: string;
  let observations: string[];
  try {
    const parsed = parseArguments(process.argv.slice(2));
    output = parsed.output;
    observations = parsed.observations;
    if (parsed.dirs.includes(output))
      throw new ConfigurationError(`the merge would overwrite the shard in ${output}; choose another directory with --output`);
    if (parsed.dirs.length === 0 && observations.length > 0) {
      const evidence = mergeObservations(observations, output, conditionalApis(process.env.CERTIFY_CONDITIONAL_APIS));
      const { certification } = evidence;
      process.stdout.write(
        `certify:merge: ${observations.length} observations merged, ${evidence.exchangeCount} calls: ${certification.passed} passed, ` +
          `${certification.documentedFailures} failed on documented or security rules, ${certification.inferredWarnings} warnings; ` +
          `evidence in ${path.relative(process.cwd(), path.join(output, OBSERVATION_DIR)) || '.'}\n`,
      );
      return certification.documentedFailures === 0 ? 0 : 1;
    }
    shards = parsed.dirs.map(readShard);
    run = checkShardsMakeOneRun(shards);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(configurationErrorLine(error));
      return 2;
    }
    throw error;
  }
  clearEarlierEvidence(output);
  // Playwright replays the shards' blob reports through the same reporters one run uses: JUnit and certification.
  const blobs = mkdtempSync(path.join(tmpdir(), 'certify-blobs-'));
  try {
    for (const shard of shards) {
      for (const file of readdirSync(path.join(shard.dir, 'blob-report')))
        copyFileSync(path.join(shard.dir, 'blob-report', file), path.join(blobs, file));
    }
    const merge = spawnSync(
      process.execPath,
      [
        dependencyFile('@playwright/test', 'cli.js'),
        'merge-reports',
        `--reporter=junit,${fromRoot('reporters', 'certification.ts')}`,
        blobs,
      ],
      {
        cwd: fromRoot(),
        encoding: 'utf8',
        env: typeScriptEnvironment({
          ...process.env,
          CERTIFY_REPORTS_DIR: output,
          PLAYWRIGHT_JUNIT_OUTPUT_FILE: path.join(output, 'junit', 'results.xml'),
        }),
      },
    );
    if (!existsSync(path.join(output, TESTS_FILE))) {
      process.stderr.write(
        `certify:merge: the blob reports could not be merged: ${(merge.stderr || merge.stdout).trim().split('\n').slice(-1)[0] ?? ''}\n`,
      );
      return 1;
    }
  } finally {
    rmSync(blobs, { recursive: true, force: true });
  }
  // Allure results are one file per test and attachment, named by UUID: the shards' sets are joined as they are.
  mkdirSync(path.join(output, 'allure-results'), { recursive: true });
  for (const shard of shards) {
    const from = path.join(shard.dir, 'allure-results');
    if (!existsSync(from)) continue;
    for (const file of readdirSync(from)) copyFileSync(path.join(from, file), path.join(output, 'allure-results', file));
  }
  // How the network behaved over every shard, as one run's figures.
  const networks = shards.flatMap((shard) => {
    const file = path.join(shard.dir, NETWORK_FILE);
    return existsSync(file) ? [(JSON.parse(readFileSync(file, 'utf8')) as { targets: TargetNetwork[] }).targets] : [];
  });
  if (networks.length > 0)
    writeFileSync(path.join(output, NETWORK_FILE), `${JSON.stringify({ targets: mergeNetworks(networks) }, null, 2)}\n`);
  // Shards of the reference pair's run observe no client; the merge does, once, as one run would have.
  if (observations.length > 0) mergeObservations(observations, output, new Set(run.applicableConditionalApis));
  else if (run.subject.kind === 'reference-pair') await observeReferenceClient(output, new Set(run.applicableConditionalApis));
  const results = JSON.parse(readFileSync(path.join(output, TESTS_FILE), 'utf8')) as CertificationResults;
  return await concludeCertification(output, results.tests, run, 'certify:merge', `${shards.length} shards merged; `);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`certify:merge: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
