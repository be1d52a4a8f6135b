#!/usr/bin/env node
// @ts-check
/**
 * The installed package's command: `d1-ctp-conformance <command> [options]`. Plain JavaScript, since it starts before
 * TypeScript can be loaded: it runs the command's script with `node --import tsx`, the package's own tsx, from the
 * caller's working directory, where the reports, `.env` and the Allure history are read and written.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const COMMANDS = {
  certify: { script: 'scripts/certify.ts', does: 'certify the bank configured, or the embedded reference pair (npm run certify)' },
  observe: { script: 'scripts/observe.ts', does: "observe a bank's calls to D1 on their own (npm run observe)" },
  compare: {
    script: 'scripts/certify-compare.ts',
    does: 'what changed between two finished runs, BASELINE NEWER (npm run certify:compare)',
  },
  merge: { script: 'scripts/certify-merge.ts', does: "merge the shards' reports directories into one verdict (npm run certify:merge)" },
};

const packageFile = (/** @type {string} */ file) => fileURLToPath(new URL(`../${file}`, import.meta.url));
/** @type {unknown} */
const manifest = JSON.parse(readFileSync(packageFile('package.json'), 'utf8'));
const { name, version } = /** @type {{ name: string, version: string }} */ (manifest);

const USAGE = `usage: d1-ctp-conformance <command> [options]

${Object.entries(COMMANDS)
  .map(([command, { does }]) => `  ${command.padEnd(9)}${does}`)
  .join('\n')}
  help     this text

Each command takes the options of the npm script it names, after it: d1-ctp-conformance certify --compare last-ready
--skip-d1-environment. The reports go to reports/ (or CERTIFY_REPORTS_DIR) in the working directory; .env and the
Allure history are read there too. Exit codes: 0 READY, 1 NOT READY, 2 a wrong configuration, 3 INCONCLUSIVE.
${name} ${version}: the documentation is the package's README.md and docs/ in its repository.
`;

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  // A CI step that forgot its command fails rather than passes.
  process.stderr.write(USAGE);
  process.exit(2);
}
if (command === 'help' || command === '--help' || command === '-h') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (command === '--version') {
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, command)) {
  process.stderr.write(`d1-ctp-conformance: unknown command "${command}"\n${USAGE}`);
  process.exit(2);
}

const { script } = COMMANDS[/** @type {keyof typeof COMMANDS} */ (command)];
const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), packageFile(script), ...args], {
  stdio: 'inherit',
  // tsx reads the tsconfig.json of the working directory by default: the caller's, whose options are not the package's.
  env: { ...process.env, TSX_TSCONFIG_PATH: packageFile('tsconfig.json') },
});

// A CI job stops a run with a signal to this process: the command gets it, concludes (certify still writes its verdict
// from what ran) and its exit code is this one's. npm run does the same for the scripts it starts.
/** @type {NodeJS.Signals[]} */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  process.stderr.write(`d1-ctp-conformance: ${script} could not start: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (code !== null) process.exit(code);
  // Ended by a signal: end the same way, so that the caller sees what the command saw.
  for (const forwarded of FORWARDED) process.removeAllListeners(forwarded);
  process.kill(process.pid, signal ?? 'SIGTERM');
});
