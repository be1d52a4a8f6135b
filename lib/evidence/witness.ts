import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { isSensitiveKey } from '../redaction.js';

/**
 * A record of every secret and personal value that crossed the HTTP layer during a run, written only when
 * REDACTION_WITNESS_DIR is set. The redaction sweep then looks for each of these values in everything the run wrote:
 * a value that was never seen cannot be proven absent.
 */
export interface WitnessedValue {
  readonly kind: string;
  readonly value: string;
}

const directory = process.env.REDACTION_WITNESS_DIR;
/** Whether this run records what it handles; callers skip the work of preparing a value when it does not. */
export const witnessing = directory !== undefined && directory !== '';
const seen = new Set<string>();
// Shorter values (a language code, a surname, a deliberately wrong secret such as `secret`) occur in reports as ordinary words.
const MIN_LENGTH = 8;

export function witness(kind: string, value: unknown): void {
  if (!witnessing || !directory || typeof value !== 'string' || value.length < MIN_LENGTH || seen.has(value)) return;
  seen.add(value);
  appendFileSync(path.join(directory, `${process.pid}.jsonl`), `${JSON.stringify({ kind, value } satisfies WitnessedValue)}\n`);
}

function witnessCredential(header: string): void {
  const [scheme, credential] = header.split(/\s+/, 2);
  // A scheme alone (`Bearer` with nothing after it, as the authentication checks send) holds no secret.
  if (!credential) return /^(bearer|basic)$/i.test(header.trim()) ? undefined : witness('credential', header);
  witness(`${scheme?.toLowerCase() ?? ''} credential`, credential);
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    witness('client secret', decoded.slice(decoded.indexOf(':') + 1));
  }
}

function witnessTree(value: unknown, key: string, depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    if (isSensitiveKey(key)) witness(key, value);
  } else if (Array.isArray(value)) {
    for (const item of value) witnessTree(item, key, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [child, item] of Object.entries(value as Record<string, unknown>)) {
      // Under a sensitive key every leaf is sensitive: an address object's parts, a name object's parts.
      witnessTree(item, isSensitiveKey(key) && !isSensitiveKey(child) ? key : child, depth + 1);
    }
  }
}

function witnessBody(body: string | Buffer | undefined): void {
  if (body === undefined) return;
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    witnessTree(JSON.parse(text) as unknown, '');
    return;
  } catch {
    // Not JSON: a form, or nothing to witness.
  }
  if (text.includes('=')) for (const [key, value] of new URLSearchParams(text)) if (isSensitiveKey(key)) witness(key, value);
}

/** Witnesses the sensitive headers and fields of one exchange, both ways. */
export function witnessExchange(
  headers: Readonly<Record<string, string>> | undefined,
  requestBody: string | Buffer | undefined,
  responseBody: string | undefined,
): void {
  if (!witnessing) return;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (/^(proxy-)?authorization$/i.test(name)) witnessCredential(value);
    else if (isSensitiveKey(name)) witness(name, value);
  }
  witnessBody(requestBody);
  witnessBody(responseBody);
}
