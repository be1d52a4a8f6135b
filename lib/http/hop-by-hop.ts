import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers meaningful for one connection only, which a proxy never sends on: the classic hop-by-hop set (RFC 2616
 * §13.5.1, and proxy-connection, which clients still send). RFC 9110 §7.6.1 adds whatever the Connection header names.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Framing the client that sends a message again computes for itself: the target's host, the length, an Expect. */
export const RECOMPUTED_BY_SENDER: ReadonlySet<string> = new Set(['host', 'content-length', 'expect']);

/** The connection options of a message: the header names its Connection header lists (RFC 9110 §7.6.1). */
function connectionOptions(connection: string | string[] | undefined): Set<string> {
  return new Set(
    [connection ?? []]
      .flat()
      .flatMap((value) => value.split(','))
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The headers of a message to send on to the next hop: without the hop-by-hop ones, the connection options, the
 * framing the sender recomputes, and the names in `alsoDropped`; a repeated header is joined with commas.
 */
export function endToEndHeaders(
  headers: IncomingHttpHeaders | Readonly<Record<string, string>>,
  alsoDropped: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const options = connectionOptions(headers.connection);
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || options.has(lower) || RECOMPUTED_BY_SENDER.has(lower) || alsoDropped.has(lower))
      continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}
