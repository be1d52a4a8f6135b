import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Loads a YAML document and replaces every `$ref` (local or to a sibling file) by the object it points to.
 * The contracts only use plain, non-recursive references, so a recursive walk is enough; a cycle is reported
 * instead of looping.
 */
export function loadDereferenced(file: string): unknown {
  const cache = new Map<string, unknown>();
  const load = (absolute: string): unknown => {
    if (!cache.has(absolute)) cache.set(absolute, parse(readFileSync(absolute, 'utf8')));
    return cache.get(absolute);
  };

  const resolvePointer = (document: unknown, pointer: string, where: string): unknown => {
    let node = document;
    for (const raw of pointer.split('/').slice(1)) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (node === null || typeof node !== 'object' || !(key in node)) {
        throw new Error(`${where}: $ref pointer ${pointer} does not resolve (no "${key}")`);
      }
      node = (node as Record<string, unknown>)[key];
    }
    return node;
  };

  const walk = (node: unknown, currentFile: string, trail: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, currentFile, trail));
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    const ref = record.$ref;
    if (typeof ref === 'string') {
      const [filePart, pointer = ''] = ref.split('#');
      const targetFile = filePart ? path.resolve(path.dirname(currentFile), filePart) : currentFile;
      const key = `${targetFile}#${pointer}`;
      if (trail.includes(key)) throw new Error(`${currentFile}: circular $ref ${ref}`);
      const target = resolvePointer(load(targetFile), pointer, currentFile);
      return walk(target, targetFile, [...trail, key]);
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, walk(v, currentFile, trail)]));
  };

  const absolute = path.resolve(file);
  return walk(load(absolute), absolute, []);
}
