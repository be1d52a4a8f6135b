/**
 * The observer's live view: one page an engineer opens while a bank drives the plan through the observer, showing
 * the plan's steps, each call as it arrives with its verdict, and each failure with what the documents say against
 * what was received. The page polls the observer for what is new; it is served by the observer itself, beside the
 * paths it forwards to D1.
 *
 * - GET LIVE_VIEW_PATH: the page. Its script and style are inline, each allowed by its SHA-256 hash in a
 *   content-security-policy that allows nothing else (no other script or style, no image, font, frame or form; fetch
 *   to its own origin only). Inline rather than at another path, so that the only paths a token guard has to let
 *   through are the page (opened with `?token=`) and its data (asked with `authorization: Bearer`).
 * - GET LIVE_DATA_PATH?since=N: `feed.snapshot(N)` as JSON, N the last call sequence the page has (0 when absent).
 *
 * The page inserts every datum with textContent: a path is whatever the bank (or anyone reaching the observer) sent.
 */
import { createHash } from 'node:crypto';
import type { Answer, IncomingExchange } from '../mocks/http/server.js';
import type { LiveFeed } from './live-feed.js';

export const LIVE_VIEW_PATH = '/__observer/live';
export const LIVE_DATA_PATH = '/__observer/live.json';
/** Calls the page's table keeps; the oldest rows go past it, so that a long session does not slow the page down. */
export const LIVE_ROWS_KEPT = 500;
const POLL_MS = 500;
const ALLOWED = 'GET, HEAD';

// String.raw keeps the source ASCII and the escapes for the browser; neither text holds a backtick or an interpolation
// other than the constants below.
const STYLE = String.raw`
[hidden] { display: none !important; }
:root { font: 14px/1.4 system-ui, sans-serif; color: #1b1b1b; }
body { margin: 1rem 1.5rem; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
section { margin-top: 1.25rem; }
.about { color: #555; margin: 0; }
.banner { background: #1f4e8c; color: #fff; padding: .5rem .75rem; margin: .75rem 0; border-radius: 4px; font-weight: 600; }
.problem { background: #fff4ce; color: #5c4400; padding: .5rem .75rem; margin: .75rem 0; border-radius: 4px; }
ul.plan { list-style: none; padding: 0; margin: 0; }
ul.plan li { padding: .1rem 0; }
ul.plan li.covered .mark { color: #1a7f37; font-weight: 600; }
ul.plan li.waiting .state { color: #8a6d00; }
.mark { font-family: ui-monospace, monospace; }
ol.failures { padding-left: 1.5rem; margin: 0; }
ol.failures > li { margin-bottom: .6rem; }
.standing-fails { color: #a40e26; font-weight: 600; }
.standing-warning { color: #8a6d00; font-weight: 600; }
.pair { display: grid; grid-template-columns: 6.5rem 1fr; gap: .1rem .5rem; margin: .2rem 0 0; }
.pair dt { color: #555; }
.pair dd { margin: 0; font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: .2rem .45rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
td.path { font-family: ui-monospace, monospace; word-break: break-all; }
tr.verdict-departing > td { background: #fde7e7; }
tr.verdict-departing td.verdict { color: #a40e26; font-weight: 600; }
tr.verdict-outside-the-contracts td.verdict, tr.verdict-no-answer td.verdict { color: #8a6d00; font-weight: 600; }
tr.departures > td { background: #fff6f6; padding-left: 2rem; }
tr.departures ul { margin: 0; padding-left: 1rem; }
tbody.gap td, .note { color: #777; font-style: italic; }
`;

const SCRIPT = String.raw`
(function () {
  'use strict';
  var DATA = ${JSON.stringify(LIVE_DATA_PATH)};
  var KEEP = ${LIVE_ROWS_KEPT};
  var EVERY = ${POLL_MS};
  var token = new URLSearchParams(location.search).get('token');
  var since = 0;
  var rows = 0;
  var shownPlan = '';
  var shownFailures = '';
  var table = document.getElementById('calls');

  function byId(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function pad(n, width) { var s = String(n); while (s.length < width) s = '0' + s; return s; }
  function clock(at) {
    var d = new Date(at);
    return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
  }
  function standingClass(d) { return d.standing === 'fails go-live' ? 'standing-fails' : 'standing-warning'; }
  function ruleOf(d) { return d.ruleId || '(no rule names it)'; }
  // Where, what the documents say, what was received: the same three lines for a call's departure and a failure.
  function versus(parent, d) {
    var list = el('dl', 'pair');
    var lines = [['where', 'pointer', d.pointer], ['documented', 'documented', d.documented], ['received', 'received', d.received]];
    lines.forEach(function (line) {
      list.appendChild(el('dt', '', line[0]));
      var value = el('dd', '', line[2]);
      value.setAttribute('data-testid', line[1]);
      list.appendChild(value);
    });
    parent.appendChild(list);
  }
  function departureItem(d) {
    var item = el('li', 'departure');
    item.setAttribute('data-testid', 'departure');
    item.setAttribute('data-rule', d.ruleId || '');
    var head = el('div');
    head.appendChild(el('strong', 'rule', ruleOf(d)));
    head.appendChild(document.createTextNode(' '));
    head.appendChild(el('span', standingClass(d), d.standing + ' (' + d.why + ')'));
    item.appendChild(head);
    versus(item, d);
    return item;
  }
  function addCall(c) {
    var group = el('tbody', 'call');
    var row = el('tr', 'verdict-' + c.verdict.replace(/ /g, '-'));
    row.setAttribute('data-testid', 'call-row');
    row.setAttribute('data-sequence', String(c.sequence));
    row.setAttribute('data-verdict', c.verdict);
    [
      ['sequence', c.instance ? c.instance + ' #' + c.sequence : c.sequence],
      ['time', clock(c.at)],
      ['method', c.method],
      ['path', c.path],
      ['operation', c.operationId || '\u2014'],
      ['status', typeof c.status === 'number' ? c.status : 'no answer'],
      ['verdict', c.verdict],
    ].forEach(function (column) { row.appendChild(el('td', column[0], column[1])); });
    group.appendChild(row);
    if (c.departures.length > 0) {
      var under = el('tr', 'departures');
      var cell = el('td');
      cell.colSpan = 7;
      var list = el('ul');
      c.departures.forEach(function (d) { list.appendChild(departureItem(d)); });
      cell.appendChild(list);
      under.appendChild(cell);
      group.appendChild(under);
    }
    table.appendChild(group);
    rows += 1;
  }
  // Calls the page never saw: it was opened late, or fell behind the observer's last kept calls.
  function addGap(from, to) {
    var group = el('tbody', 'gap');
    group.setAttribute('data-testid', 'calls-gap');
    var row = el('tr');
    var which = from === to ? 'call #' + from : 'calls #' + from + ' to #' + to;
    var cell = el('td', '', which + ': no longer kept by the observer, not shown');
    cell.colSpan = 7;
    row.appendChild(cell);
    group.appendChild(row);
    table.appendChild(group);
  }
  function trim() {
    if (rows <= KEEP) return;
    while (rows > KEEP) {
      if (table.tBodies[0].className === 'call') rows -= 1;
      table.removeChild(table.tBodies[0]);
    }
    // A gap note left on top would stand for the dropped rows too.
    while (table.tBodies.length > 0 && table.tBodies[0].className !== 'call') table.removeChild(table.tBodies[0]);
    byId('table-note').textContent = 'The table keeps the last ' + KEEP + ' calls; older rows were dropped.';
  }
  function renderPlan(plan) {
    var shown = JSON.stringify(plan);
    if (shown === shownPlan) return;
    shownPlan = shown;
    var list = byId('plan');
    list.replaceChildren();
    plan.steps.forEach(function (s) {
      var item = el('li', s.covered ? 'covered' : 'waiting');
      item.setAttribute('data-testid', 'plan-step');
      item.setAttribute('data-api', s.api);
      item.setAttribute('data-covered', String(s.covered));
      item.appendChild(el('span', 'mark', s.covered ? '[x] ' : '[ ] '));
      item.appendChild(el('span', 'title', s.title));
      item.appendChild(el('span', 'state', s.covered ? ': covered' : ': waiting for ' + (s.waiting || 'a call')));
      list.appendChild(item);
    });
    byId('plan-count').textContent = plan.covered + ' of ' + plan.steps.length + ' steps covered' + (plan.complete ? ': complete' : '');
  }
  function renderFailures(failures) {
    var shown = JSON.stringify(failures);
    if (shown === shownFailures) return;
    shownFailures = shown;
    var list = byId('failures');
    list.replaceChildren();
    var goLive = 0;
    failures.forEach(function (f) {
      if (f.standing === 'fails go-live') goLive += 1;
      var item = el('li');
      item.setAttribute('data-testid', 'failure');
      item.setAttribute('data-rule', f.ruleId || '');
      item.setAttribute('data-count', String(f.count));
      var head = el('div');
      head.appendChild(el('strong', 'rule', ruleOf(f)));
      head.appendChild(document.createTextNode(' on ' + (f.operationId || 'no single operation') + ': '));
      head.appendChild(el('span', standingClass(f), f.standing + ' (' + f.why + ')'));
      var seen = el('span', 'count', '; first at call #' + f.firstSequence + ', seen ' + f.count + (f.count === 1 ? ' time' : ' times'));
      seen.setAttribute('data-testid', 'failure-count');
      head.appendChild(seen);
      item.appendChild(head);
      versus(item, f);
      list.appendChild(item);
    });
    byId('no-failures').hidden = failures.length > 0;
    byId('failures-count').textContent = failures.length === 0 ? '' : '(' + failures.length + ', ' + goLive + ' failing go-live)';
  }
  // Whether the observation has ended, after which nothing more comes.
  function render(s) {
    byId('about').textContent = 'issuer ' + s.issuerId + ' | ' + s.mode + ' mode | D1 ' + s.d1 + ' | started ' + s.startedAt;
    byId('calls-count').textContent = String(s.calls);
    renderPlan(s.plan);
    s.recent
      .filter(function (c) { return c.sequence > since; })
      .sort(function (a, b) { return a.sequence - b.sequence; })
      .forEach(function (c) {
        if (c.sequence > since + 1) addGap(since + 1, c.sequence - 1);
        addCall(c);
        since = c.sequence;
      });
    trim();
    renderFailures(s.failures);
    byId('ended-banner').hidden = !s.ended;
    return s.ended;
  }
  function problem(text) {
    var box = byId('problem');
    box.textContent = text;
    box.hidden = text === '';
  }
  function poll() {
    var headers = { accept: 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    fetch(DATA + '?since=' + since, { headers: headers, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401 || response.status === 403)
          throw new Error('the observer refused this page (' + response.status + '): open it with ?token= and the observer\'s token');
        if (!response.ok) throw new Error('the observer answered ' + response.status);
        return response.json();
      })
      .then(function (snapshot) {
        problem('');
        if (!render(snapshot)) setTimeout(poll, EVERY);
      })
      .catch(function (error) {
        problem('Cannot read the observer: ' + error.message + '. Trying again.');
        setTimeout(poll, EVERY);
      });
  }
  poll();
})();
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>D1 observer: live view</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>D1 observer: live view</h1>
<p class="about" id="about">Waiting for the observer's first answer.</p>
<p>Calls observed: <strong id="calls-count" data-testid="calls-count">0</strong></p>
</header>
<div class="banner" id="ended-banner" data-testid="ended-banner" hidden>The observation has ended: nothing more will arrive.</div>
<div class="problem" id="problem" data-testid="problem" hidden></div>
<section>
<h2>Certification plan: <span id="plan-count"></span></h2>
<ul class="plan" id="plan"></ul>
</section>
<section>
<h2>Failures so far <span id="failures-count"></span></h2>
<p class="note" id="no-failures">None so far.</p>
<ol class="failures" id="failures"></ol>
</section>
<section>
<h2>Calls</h2>
<p class="note" id="table-note"></p>
<table id="calls">
<thead><tr><th>#</th><th>time</th><th>method</th><th>path</th><th>operation</th><th>status</th><th>verdict</th></tr></thead>
</table>
</section>
<script>${SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only the page's own inline script and style, and fetches to its own origin; nothing may frame it or post from it. */
export const LIVE_VIEW_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Nothing here may be kept by a cache, and the page's address (which may hold the token) goes to no other site.
const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

const PAGE_ANSWER: Answer = {
  status: 200,
  headers: { ...COMMON_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': LIVE_VIEW_CSP },
  body: PAGE,
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

// A hostile client may send a very long value; an answer names its start only.
const shortened = (text: string): string => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** `since` as the page sends it; absent is 0. */
function sinceOf(incoming: IncomingExchange): number | Answer {
  const given = incoming.query.since;
  if (given === undefined) return 0;
  const refuse = (message: string, received: string): Answer =>
    json(400, { error: 'INVALID_QUERY', parameter: 'since', expected: 'a non-negative integer', received: shortened(received), message });
  if (Array.isArray(given)) return refuse(`the query parameter since is given ${given.length} times; give it once`, given.join('&'));
  const since = Number(given);
  if (/^\d+$/.test(given) && Number.isSafeInteger(since)) return since;
  return refuse(
    `the query parameter since must be a non-negative integer (the last sequence the page has), not ${JSON.stringify(shortened(given))}`,
    given,
  );
}

/** The live view's answer to a request on one of its paths; undefined for any other path, which is not the view's. */
export function liveViewAnswer(feed: LiveFeed, incoming: IncomingExchange): Answer | undefined {
  if (incoming.path !== LIVE_VIEW_PATH && incoming.path !== LIVE_DATA_PATH) return undefined;
  // HEAD is answered as GET; Node sends no body for it.
  if (incoming.method !== 'GET' && incoming.method !== 'HEAD') {
    return json(
      405,
      { error: 'METHOD_NOT_ALLOWED', message: `${incoming.method} is not allowed on ${incoming.path}: the live view is read with GET` },
      { allow: ALLOWED },
    );
  }
  if (incoming.path === LIVE_VIEW_PATH) return PAGE_ANSWER;
  const since = sinceOf(incoming);
  return typeof since === 'number' ? json(200, feed.snapshot(since)) : since;
}
