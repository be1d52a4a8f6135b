import { operations, type OperationId } from '../../gen/operations.js';
import type { Party } from './operations.js';

/**
 * Where each contract is mounted on its party's server. One base URL per party serves every file: D1's banking
 * base and auth base, the issuer's base and auth base. The embedded mocks serve them all from one origin.
 */
export const MOUNT_POINTS: Readonly<Record<string, string>> = {
  'd1-oauth2': '/authz/v1',
  'd1-card': '/banking',
  'd1-consumer': '/banking',
  'd1-click-to-pay': '/banking',
  'issuer-oauth2': '/authz/d1/v1',
  'issuer-notifications': '',
  'issuer-consumer-info': '',
};

interface CompiledRoute {
  readonly operationId: OperationId;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

export type RouteMatch =
  | { readonly kind: 'operation'; readonly operationId: OperationId; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Routes for one party's operations, matched on the path as mounted (e.g. `/banking/v1/issuers/...`). */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(party: Party) {
    this.routes = (Object.keys(operations) as OperationId[])
      .filter((id) => operations[id].party === party)
      .map((id) => {
        const entry = operations[id];
        const names: string[] = [];
        const mounted = `${MOUNT_POINTS[entry.contract] ?? ''}${entry.path}`;
        const source = mounted
          .split(/(\{[^}]+\})/)
          .map((piece) => {
            const name = /^\{([^}]+)\}$/.exec(piece)?.[1];
            if (!name) return escapeRegExp(piece);
            names.push(name);
            // A path parameter is one segment; a colon ends it only where an action suffix follows.
            return '([^/]+?)';
          })
          .join('');
        return { operationId: id, method: entry.method, pattern: new RegExp(`^${source}$`), names };
      })
      // Literal paths before templated ones, so `/operations:delete` never reads as `{operationId}`.
      .sort((a, b) => b.pattern.source.length - a.pattern.source.length);
  }

  match(method: string, path: string): RouteMatch {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      if (route.method !== method.toUpperCase()) {
        allowed.add(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        const raw = found[index + 1] ?? '';
        params[name] = safeDecode(raw);
      });
      return { kind: 'operation', operationId: route.operationId, params };
    }
    return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed].sort() } : { kind: 'not-found' };
  }
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // A malformed escape stays as sent; the parameter's pattern then refuses it.
    return raw;
  }
}
