/**
 * The README and docs/ stay in step with the code and with each other: every generated table is what
 * `npm run docs:tables` writes now, every relative link reaches a file and every anchor a heading (GitHub's slugs),
 * the README stays a short read, and every page of docs/ can be reached from the README or the docs index.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { fromRoot } from '../../lib/paths.js';
import { DOCS_TABLES_COMMAND, GENERATED_TABLES } from '../../scripts/readme-tables.js';

const README = 'README.md';
const DOCS_INDEX = 'docs/README.md';
const README_MAX_LINES = 220;

/** README.md and every Markdown page under docs/, as paths from the repository root. */
function documentationPages(): string[] {
  const docs = readdirSync(fromRoot('docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name.split(path.sep).join('/')}`)
    .sort();
  return [README, ...docs];
}

interface ProseLine {
  /** 1-based. */
  readonly line: number;
  readonly raw: string;
  /** The line with its inline code spans blanked out, so that `[x](y)` in code is not taken for a link. */
  readonly prose: string;
}

/** The lines of a Markdown page outside fenced code blocks. */
function proseLines(text: string): ProseLine[] {
  const lines: ProseLine[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(raw)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && raw.trim() === marker) fence = undefined;
      return;
    }
    if (marker !== undefined) {
      fence = marker;
      return;
    }
    lines.push({ line: index + 1, raw, prose: raw.replace(/(`+)(?:.*?[^`])?\1(?!`)/g, (span) => ' '.repeat(span.length)) });
  });
  return lines;
}

/** GitHub's anchor for a heading: its text lowercased, punctuation removed, each space a hyphen. */
function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' slugs (a repeated slug gets -1, -2, ...) and explicit HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { raw } of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(raw)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const count = seen.get(slug) ?? 0;
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
      seen.set(slug, count + 1);
    }
    for (const match of raw.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) if (match[1]) anchors.add(match[1]);
  }
  return anchors;
}

interface Link {
  readonly line: number;
  /** As written, for messages: `[text](target)`. */
  readonly written: string;
  readonly target: string;
}

function linksOf(text: string): Link[] {
  const links: Link[] = [];
  for (const { line, prose } of proseLines(text)) {
    for (const match of prose.matchAll(
      /!?\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+"[^"]*")?\s*\)/g,
    )) {
      links.push({ line, written: match[0], target: (match[2] ?? '').replace(/^<|>$/g, '') });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (definition?.[1]) links.push({ line, written: definition[0].trim(), target: definition[1] });
  }
  return links;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Where a relative link leads, as a path from the repository root ('' for the root itself). */
function resolveLink(page: string, target: string): { readonly file: string; readonly anchor: string | undefined } {
  const hash = target.indexOf('#');
  const pathPart = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  if (pathPart === '') return { file: page, anchor };
  const decoded = decodeURI(pathPart);
  const joined = decoded.startsWith('/') ? decoded.slice(1) : path.posix.join(path.posix.dirname(page), decoded);
  const file = path.posix.normalize(joined).replace(/\/$/, '');
  return { file: file === '.' ? '' : file, anchor };
}

interface Repository {
  exists(file: string): boolean;
  /** The text of a Markdown file, undefined when there is none. */
  read(file: string): string | undefined;
}

/** Every relative link of the pages that leads nowhere: `file:line: link: what is wrong`. */
function brokenLinks(pages: readonly string[], repository: Repository): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    for (const link of linksOf(repository.read(page) ?? '')) {
      if (isExternal(link.target)) continue;
      const where = `${page}:${link.line}: ${link.written}`;
      const { file, anchor } = resolveLink(page, link.target);
      if (file.startsWith('../')) problems.push(`${where}: leads outside the repository`);
      else if (!repository.exists(file)) problems.push(`${where}: ${file} does not exist`);
      else if (anchor !== undefined && anchor !== '' && file.endsWith('.md')) {
        const anchors = anchorsOf(repository.read(file) ?? '');
        if (!anchors.has(anchor)) problems.push(`${where}: ${file} has no heading whose anchor is #${anchor}`);
      }
    }
  }
  return problems;
}

const onDisk: Repository = {
  exists: (file) => existsSync(fromRoot(file || '.')),
  read: (file) => (file.endsWith('.md') && existsSync(fromRoot(file)) ? readFileSync(fromRoot(file), 'utf8') : undefined),
};

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

test(`every generated table in the README and docs/ is what its source gives now (${DOCS_TABLES_COMMAND} rewrites them)`, () => {
  const problems: string[] = [];
  for (const page of documentationPages()) {
    const text = readFileSync(fromRoot(page), 'utf8');
    for (const match of text.matchAll(/<!-- table:([\w-]+) -->/g)) {
      const name = match[1] ?? '';
      const owner = GENERATED_TABLES[name]?.page;
      const where = `${page}:${lineOf(text, match.index)}`;
      if (owner === undefined)
        problems.push(`${where}: no generator writes a table "${name}" (known: ${Object.keys(GENERATED_TABLES).join(', ')})`);
      else if (owner !== page) problems.push(`${where}: the ${name} table belongs in ${owner}`);
    }
  }
  for (const [name, table] of Object.entries(GENERATED_TABLES)) {
    const text = onDisk.read(table.page);
    const start = `<!-- table:${name} -->`;
    const end = `<!-- /table:${name} -->`;
    const from = text?.indexOf(start) ?? -1;
    const to = from === -1 ? -1 : (text?.indexOf(end, from) ?? -1);
    if (text === undefined || from === -1 || to === -1) {
      problems.push(`${table.page}: no markers for the ${name} table (${start} ... ${end})`);
      continue;
    }
    const written = text.slice(from + start.length, to).split('\n');
    const expected = `\n${table.render()}\n`.split('\n');
    const differs = expected.findIndex((line, i) => written[i] !== line);
    const at = differs === -1 ? Math.min(expected.length, written.length) : differs;
    if (differs !== -1 || written.length !== expected.length) {
      problems.push(
        `${table.page}:${lineOf(text, from) + at}: the ${name} table is out of date, run ${DOCS_TABLES_COMMAND}` +
          ` (expected ${JSON.stringify(expected[at] ?? '<end of table>')}, found ${JSON.stringify(written[at] ?? '<end of table>')})`,
      );
    }
  }
  expect(problems, problems.join('\n')).toEqual([]);
});

test('every relative link in the README and docs/ reaches a file, and every anchor a heading of its page', () => {
  const problems = brokenLinks(documentationPages(), onDisk);
  expect(problems, problems.join('\n')).toEqual([]);
});

test(`the README is at most ${README_MAX_LINES} lines`, () => {
  const text = readFileSync(fromRoot(README), 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  expect(lines, `README.md has ${lines} lines, more than ${README_MAX_LINES}: move the detail to a page of docs/`).toBeLessThanOrEqual(
    README_MAX_LINES,
  );
});

test('every page of docs/ is linked from the README or from the docs index', () => {
  const linked = new Set<string>();
  for (const page of [README, DOCS_INDEX]) {
    for (const link of linksOf(onDisk.read(page) ?? '')) if (!isExternal(link.target)) linked.add(resolveLink(page, link.target).file);
  }
  const problems = documentationPages()
    .filter((page) => page !== README && !linked.has(page))
    .map((page) => `${page}: linked from neither ${README} nor ${DOCS_INDEX}`);
  expect(problems, problems.join('\n')).toEqual([]);
});

test('the link check knows GitHub anchors and finds a missing file, a missing anchor and a link out of the repository', () => {
  expect(githubSlug("In a bank's CI")).toBe('in-a-banks-ci');
  expect(githubSlug('Benchmarks: `npm run bench`')).toBe('benchmarks-npm-run-bench');
  expect(githubSlug('Sensitivity and specificity: the two matrices')).toBe('sensitivity-and-specificity-the-two-matrices');
  const files: Record<string, string> = {
    'README.md': [
      '# Title',
      'See [the guide](docs/guide.md#the-second-part) and [the plan](#title).',
      'Broken: [gone](docs/gone.md), [no anchor](docs/guide.md#nowhere), [out](../outside.md).',
      'Not links: `[code](docs/gone.md)`, [external](https://example.com/x#y).',
      '```md',
      '[fenced](docs/gone.md)',
      '```',
      '[repeated](docs/guide.md#part-1)',
    ].join('\n'),
    'docs/guide.md': '# Guide\n## The second part\n## Part\n## Part\n',
  };
  const problems = brokenLinks(['README.md'], {
    exists: (file) => file in files || file === '',
    read: (file) => files[file],
  });
  expect(problems).toEqual([
    'README.md:3: [gone](docs/gone.md): docs/gone.md does not exist',
    'README.md:3: [no anchor](docs/guide.md#nowhere): docs/guide.md has no heading whose anchor is #nowhere',
    'README.md:3: [out](../outside.md): leads outside the repository',
  ]);
});
