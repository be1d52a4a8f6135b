/**
 * The observer's live view, opened in headless Chromium (Debian's `chromium`, which .ci/run installs; CHROMIUM_PATH
 * names another) against a server that answers only the view's paths, with a feed the test drives: the page must
 * show each step of the plan, call and failure as it happens, within its own content-security-policy.
 */
import { test as base, expect } from '@playwright/test';
import { apis, type ApiId, type RuleId } from '../../gen/catalogue.js';
import type { OperationId } from '../../gen/operations.js';
import { startServer } from '../../mocks/http/server.js';
import { LIVE_CALLS_KEPT, LiveFeed, type LiveCall, type LiveDeparture } from '../../observer/live-feed.js';
import { LIVE_DATA_PATH, LIVE_ROWS_KEPT, LIVE_VIEW_PATH, liveViewAnswer } from '../../observer/live-view.js';
import type { PlanProgress, PlanStep } from '../../observer/plan.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const TOKEN = 'live-view-token-7f3a';
const STEP_APIS: readonly ApiId[] = ['d1-get-token', 'consumer-register', 'card-create-register'];
const STEPS: readonly PlanStep[] = STEP_APIS.map((api) => {
  const row = apis.find((a) => a.id === api);
  if (!row) throw new Error(`no row ${api} in the API summary`);
  return { api, title: row.name, operations: row.operations as OperationId[], needs: 'any', howTo: `call ${row.name}` };
});

/** The plan as the test flips it: a step is covered once the test says so. */
function progressOf(covered: ReadonlySet<ApiId>): PlanProgress {
  const steps = STEPS.map((step) => ({
    step,
    covered: covered.has(step.api),
    waiting: covered.has(step.api) ? undefined : `a successful ${step.operations.join(' or ')} call`,
  }));
  const count = steps.filter((s) => s.covered).length;
  return { steps, covered: count, complete: count === steps.length };
}

function liveCall(sequence: number, overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    sequence,
    at: Date.UTC(2025, 0, 1, 12, 0, 0) + sequence,
    instance: '',
    method: 'POST',
    path: `/banking/issuers/ISS-LIVE/consumers/cns-${sequence}`,
    operationId: 'registerConsumer',
    status: 202,
    verdict: 'conforming',
    departures: [],
    ...overrides,
  };
}

const PLANTED_RULE: RuleId = 'CONSUMER-REGISTER-CORRELATIONID-NO-PII';
/** A planted failure: a correlation id holding an email, redacted as the journal keeps it. */
const PLANTED: LiveDeparture = {
  ruleId: PLANTED_RULE,
  standing: 'fails go-live',
  why: 'documented',
  pointer: 'header /x-correlation-id',
  documented: 'x-correlation-id holds no personal data',
  received: 'it holds what looks like an email address ([redacted email])',
};

interface LiveServer {
  readonly feed: LiveFeed;
  /** The server's origin. */
  readonly url: string;
  /** The page's address, with the token an observer beyond loopback would ask for. */
  readonly pageUrl: string;
  cover(api: ApiId): void;
  /** The authorization header of each data request received, in order. */
  readonly dataAuthorizations: readonly (string | undefined)[];
}

const test = base.extend<{ live: LiveServer }>({
  live: async ({}, use) => {
    const covered = new Set<ApiId>();
    const feed = new LiveFeed({ issuerId: 'ISS-LIVE', mode: 'recording', d1: 'mock D1', startedAt: '2025-01-01T12:00:00Z' }, () =>
      progressOf(covered),
    );
    const dataAuthorizations: (string | undefined)[] = [];
    const server = await startServer(
      (incoming) => {
        if (incoming.path === LIVE_DATA_PATH) dataAuthorizations.push(incoming.headers.authorization);
        return liveViewAnswer(feed, incoming) ?? { status: 404, body: { error: 'NOT_FOUND', message: `nothing at ${incoming.path}` } };
      },
      { name: 'live-view', errorBody: (_status, code, message) => ({ error: code, message }) },
    );
    try {
      await use({
        feed,
        url: server.url,
        pageUrl: `${server.url}${LIVE_VIEW_PATH}?token=${TOKEN}`,
        cover: (api) => covered.add(api),
        dataAuthorizations,
      });
    } finally {
      await server.stop();
    }
  },
});
test.use({ launchOptions: { executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] } });

test('the live view shows the plan, each call and each failure as they happen, and the end of the observation', async ({ page, live }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));

  const opened = await page.goto(live.pageUrl);
  expect(opened?.status()).toBe(200);
  const headers = opened?.headers() ?? {};
  expect(headers['content-type']).toBe('text/html; charset=utf-8');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
  expect(headers['content-security-policy']).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
  expect(headers['content-security-policy']).not.toMatch(/unsafe/);

  const steps = page.getByTestId('plan-step');
  await expect(steps).toHaveCount(STEPS.length);
  for (const step of STEPS) {
    await expect(steps.and(page.locator(`[data-api="${step.api}"]`))).toHaveAttribute('data-covered', 'false');
  }
  await expect(steps.first()).toContainText('waiting for a successful getToken call');
  await expect(page.getByTestId('calls-count')).toHaveText('0');
  await expect(page.getByTestId('ended-banner')).toBeHidden();

  // A conforming call appears as a row; the step it covers is ticked once the plan says so.
  live.feed.call(liveCall(1, { method: 'POST', path: '/authz/v1/oauth2/token', operationId: 'getToken', status: 200 }));
  const row = (sequence: number) => page.locator(`[data-testid="call-row"][data-sequence="${sequence}"]`);
  await expect(row(1)).toHaveAttribute('data-verdict', 'conforming');
  await expect(row(1)).toContainText('/authz/v1/oauth2/token');
  await expect(page.getByTestId('calls-count')).toHaveText('1');
  live.cover('d1-get-token');
  await expect(page.locator('[data-testid="plan-step"][data-api="d1-get-token"]')).toHaveAttribute('data-covered', 'true');
  await expect(page.locator('[data-testid="plan-step"][data-api="consumer-register"]')).toHaveAttribute('data-covered', 'false');

  // The planted failure shows on its call, with its rule, documented and received, and in the failures so far.
  await expect(page.getByTestId('failure')).toHaveCount(0);
  live.feed.call(liveCall(2, { verdict: 'departing', departures: [PLANTED] }));
  await expect(row(2)).toHaveAttribute('data-verdict', 'departing');
  // The departing row is highlighted by the page's own style, which the policy let through by its hash.
  await expect(row(2).locator('td').first()).toHaveCSS('background-color', 'rgb(253, 231, 231)');
  const departure = page.locator(`[data-testid="departure"][data-rule="${PLANTED_RULE}"]`);
  await expect(departure).toHaveCount(1);
  await expect(departure).toContainText(PLANTED_RULE);
  await expect(departure).toContainText('fails go-live (documented)');
  await expect(departure.getByTestId('pointer')).toHaveText(PLANTED.pointer);
  await expect(departure.getByTestId('documented')).toHaveText(PLANTED.documented);
  await expect(departure.getByTestId('received')).toHaveText(PLANTED.received);
  const failure = page.locator(`[data-testid="failure"][data-rule="${PLANTED_RULE}"]`);
  await expect(failure).toHaveAttribute('data-count', '1');
  await expect(failure.getByTestId('documented')).toHaveText(PLANTED.documented);
  await expect(failure.getByTestId('received')).toHaveText(PLANTED.received);

  // A repeat of the same failure is counted, not listed again; a warning is listed apart with its reason.
  live.feed.call(liveCall(3, { verdict: 'departing', departures: [PLANTED] }));
  await expect(row(3)).toHaveAttribute('data-verdict', 'departing');
  await expect(failure).toHaveAttribute('data-count', '2');
  await expect(failure.getByTestId('failure-count')).toHaveText('; first at call #2, seen 2 times');
  const warning: LiveDeparture = {
    ...PLANTED,
    ruleId: 'D1-TOKEN-REUSE',
    standing: 'warning',
    why: 'inferred',
    pointer: 'sequence of calls',
  };
  live.feed.failure(warning, undefined, 3);
  await expect(page.locator('[data-testid="failure"][data-rule="D1-TOKEN-REUSE"]')).toContainText('warning (inferred)');
  await expect(page.getByTestId('failure')).toHaveCount(2);

  // A path is whatever was sent: it is shown as text, never as markup.
  const hostile = '/banking/<img src=x onerror="window.pwned=1">';
  live.feed.call(liveCall(4, { method: 'GET', path: hostile, operationId: undefined, status: undefined, verdict: 'no answer' }));
  await expect(row(4).locator('td.path')).toHaveText(hostile);
  await expect(row(4).locator('td.status')).toHaveText('no answer');
  await expect(page.locator('#calls img')).toHaveCount(0);
  expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();

  for (const api of STEP_APIS) live.cover(api);
  for (const api of STEP_APIS) {
    await expect(page.locator(`[data-testid="plan-step"][data-api="${api}"]`)).toHaveAttribute('data-covered', 'true');
  }
  await expect(page.getByTestId('calls-count')).toHaveText('4');
  await expect(page.getByTestId('call-row')).toHaveCount(4);

  live.feed.end();
  await expect(page.getByTestId('ended-banner')).toBeVisible();

  // Every data request carried the token the page was opened with, and nothing was fetched from anywhere else.
  expect(live.dataAuthorizations.length).toBeGreaterThan(0);
  expect(new Set(live.dataAuthorizations)).toEqual(new Set([`Bearer ${TOKEN}`]));
  expect(requested.filter((url) => !url.startsWith(`${live.url}/`))).toEqual([]);
  expect(violations).toEqual([]);
});

test('the table keeps the last calls only, and says which calls the page never saw', async ({ page, live }) => {
  // Opened late: the observer keeps its last calls only, so the first ones are named as not shown.
  const total = LIVE_CALLS_KEPT + 100;
  for (let sequence = 1; sequence <= total; sequence += 1) live.feed.call(liveCall(sequence));
  await page.goto(live.pageUrl);
  const rows = page.getByTestId('call-row');
  await expect(rows.last()).toHaveAttribute('data-sequence', String(total));
  await expect(rows).toHaveCount(LIVE_CALLS_KEPT);
  await expect(rows.first()).toHaveAttribute('data-sequence', String(total - LIVE_CALLS_KEPT + 1));
  await expect(page.getByTestId('calls-gap')).toHaveText(
    `calls #1 to #${total - LIVE_CALLS_KEPT}: no longer kept by the observer, not shown`,
  );

  // Past LIVE_ROWS_KEPT rows, the oldest go (and the note about calls before them with them).
  const end = LIVE_ROWS_KEPT + 150;
  let last = total;
  while (last < end) {
    const next = Math.min(last + LIVE_CALLS_KEPT, end);
    for (let sequence = last + 1; sequence <= next; sequence += 1) live.feed.call(liveCall(sequence));
    last = next;
    await expect(rows.last()).toHaveAttribute('data-sequence', String(last));
  }
  await expect(rows).toHaveCount(LIVE_ROWS_KEPT);
  await expect(rows.first()).toHaveAttribute('data-sequence', String(last - LIVE_ROWS_KEPT + 1));
  await expect(page.getByTestId('calls-gap')).toHaveCount(0);
  await expect(page.getByTestId('calls-count')).toHaveText(String(last));
});

test('the data answers the calls after since, refuses a since that is not a non-negative integer, and is read with GET only', async ({
  request,
  live,
}) => {
  for (let sequence = 1; sequence <= 3; sequence += 1) live.feed.call(liveCall(sequence));
  const data = `${live.url}${LIVE_DATA_PATH}`;

  const after1 = await request.get(`${data}?since=1`);
  expect(after1.status()).toBe(200);
  expect(after1.headers()['cache-control']).toBe('no-store');
  const snapshot = (await after1.json()) as { calls: number; recent: { sequence: number }[]; plan: { steps: unknown[] } };
  expect(snapshot.calls).toBe(3);
  expect(snapshot.recent.map((c) => c.sequence)).toEqual([2, 3]);
  expect(snapshot.plan.steps).toHaveLength(STEPS.length);
  const all = (await (await request.get(data)).json()) as { recent: unknown[] };
  expect(all.recent).toHaveLength(3);

  for (const query of ['since=abc', 'since=-1', 'since=1.5', 'since=', 'since=1e3', 'since=99999999999999999999', 'since=1&since=2']) {
    const refused = await request.get(`${data}?${query}`);
    expect(refused.status(), query).toBe(400);
    const body = (await refused.json()) as { error: string; parameter: string; message: string };
    expect(body.error, query).toBe('INVALID_QUERY');
    expect(body.parameter, query).toBe('since');
    expect(body.message, query).toMatch(/since/);
  }

  for (const path of [LIVE_DATA_PATH, LIVE_VIEW_PATH]) {
    const posted = await request.post(`${live.url}${path}`, { data: { since: 1 } });
    expect(posted.status(), path).toBe(405);
    expect(posted.headers().allow, path).toBe('GET, HEAD');
    expect(((await posted.json()) as { error: string }).error, path).toBe('METHOD_NOT_ALLOWED');
  }

  // Any other path is not the view's: the server's own handler answers it.
  const elsewhere = await request.get(`${live.url}/__observer/elsewhere`);
  expect(elsewhere.status()).toBe(404);
  expect(((await elsewhere.json()) as { error: string }).error).toBe('NOT_FOUND');
});
