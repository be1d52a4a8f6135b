/**
 * `npm run shape`: the shaping proxy as a command in front of an upstream the test starts on loopback.
 */
import { readFileSync } from 'node:fs';
import { fromRoot } from '../../../lib/paths.js';
import { occupyPort, runToEnd, spawnCommand } from '../cli-process.js';
import { call, expect, test } from './shaping-fixtures.js';

const CLI = 'mocks/network/cli.ts';

test('npm run shape runs the command in one process, as the mocks do', () => {
  const scripts = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.shape).toBe(`exec node --import tsx ${CLI}`);
});

test('it prints its URL on its first line, shapes as its profile says, and on SIGTERM stops and prints its stats', async ({ upstream }) => {
  const command = spawnCommand(CLI, [
    '--upstream',
    upstream.url,
    '--profile',
    'rate=1,burst=1,retry-after=2',
    '--seed',
    '42',
    '--port',
    '0',
  ]);
  try {
    const banner = await command.firstLine;
    expect(banner).toMatch(
      new RegExp(
        `^shaping proxy listening: http://127\\.0\\.0\\.1:\\d+ -> ${upstream.url.replace(/\./g, '\\.')}, profile rate=1,burst=1,retry-after=2, seed 42$`,
      ),
    );
    const url = /listening: (\S+)/.exec(banner)?.[1] ?? '';
    expect((await call(`${url}/through?x=1`)).status).toBe(200);
    const refused = await call(`${url}/refused`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(upstream.seen.map((seen) => seen.url)).toEqual(['/through?x=1']);
  } finally {
    command.child.kill('SIGTERM');
  }
  expect(await command.exited).toBe(0);
  expect(command.stderr).toEqual([]);
  // The refusal was logged; the forwarded request was not.
  expect(command.stdout.filter((line) => line.startsWith('[shaper]'))).toEqual(['[shaper] GET /refused -> 429 (Retry-After: 1)']);
  const last = command.stdout.at(-1) ?? '';
  expect(last).toMatch(/^shaping proxy stopped \(SIGTERM\): \{/);
  expect(JSON.parse(last.slice(last.indexOf('{')))).toMatchObject({ seed: 42, received: 2, forwarded: 1, refused429: 1 });
});

test('a named profile and --quiet: down answers 503 with Retry-After and logs nothing', async ({ upstream }) => {
  const command = spawnCommand(CLI, ['--upstream', upstream.url, '--profile', 'down', '--quiet']);
  try {
    const banner = await command.firstLine;
    expect(banner).toMatch(/, profile down, seed \d+$/);
    const url = /listening: (\S+)/.exec(banner)?.[1] ?? '';
    const answer = await call(`${url}/anything`);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(upstream.seen).toHaveLength(0);
  } finally {
    command.child.kill('SIGTERM');
  }
  expect(await command.exited).toBe(0);
  expect(command.stdout).toHaveLength(2);
});

test('a wrong option stops it with one line naming the problem and exit code 2', async () => {
  const upstream = ['--upstream', 'http://127.0.0.1:9'];
  const cases: readonly (readonly [readonly string[], RegExp])[] = [
    [[], /--upstream URL is required/],
    [['--upstream', 'ftp://127.0.0.1:21'], /--upstream must be an http or https URL/],
    [[...upstream, '--profile', 'no-such-profile'], /--profile "no-such-profile" is neither a profile/],
    [[...upstream, '--profile', '503=2'], /--profile "503=2" must be a share/],
    [[...upstream, '--port', 'eighty'], /--port must be a port number/],
    [[...upstream, '--seed=-1'], /--seed must be a whole number/],
    [[...upstream, '--colour'], /--colour/],
  ];
  // One after the other: each start costs a second or two on a busy machine.
  test.setTimeout(60_000);
  for (const [args, message] of cases) {
    const run = await runToEnd(CLI, args);
    expect(run.code, args.join(' ')).toBe(2);
    expect(run.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(message)]);
    expect(run.stderr, args.join(' ')).toMatch(/^configuration error: /);
    expect(run.stdout, args.join(' ')).toBe('');
  }
});

test('a port already in use stops it with one line and exit code 2', async () => {
  const busy = await occupyPort();
  try {
    const run = await runToEnd(CLI, ['--upstream', 'http://127.0.0.1:9', '--port', String(busy.port)]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`configuration error: --port ${busy.port}: cannot listen (EADDRINUSE)`]);
  } finally {
    await busy.stop();
  }
});
