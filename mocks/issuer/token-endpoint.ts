import { createHash, timingSafeEqual } from 'node:crypto';
import { readBodyAs, type Answer, type BodyReading, type IncomingExchange } from '../http/server.js';
import { validateRequest } from '../../lib/validation/index.js';
import { errorAnswer, jsonAnswer } from './answers.js';
import type { IssuerContext } from './issuer-context.js';
import type { IssuerVariantName } from './variants.js';

const FORM = 'application/x-www-form-urlencoded';

// RFC 6749 section 5.1: token answers must not be cached; errors are kept out of caches too.
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** How the token endpoint answers where RFC 6749 and the documents leave a choice, settled from the variants. */
export interface TokenEndpointSettings {
  /** expires_in as RFC 6749 gives it, a JSON number, instead of the documents' string. */
  readonly expiresInAsNumber: boolean;
  /** expires_at, which D1's reference shows beside expires_in, is given. */
  readonly expiresAt: boolean;
  /** A request with no client authentication at all: 400 invalid_request (allowed by RFC 6749 section 5.2) or 401. */
  readonly missingClientAuthentication: 400 | 401;
}

export function tokenEndpointSettings(variants: ReadonlySet<IssuerVariantName>): TokenEndpointSettings {
  const standard = variants.has('standard-oauth-answers');
  return { expiresInAsNumber: standard, expiresAt: !standard, missingClientAuthentication: standard ? 400 : 401 };
}

interface BasicCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

function basicCredentialsOf(header: string | undefined): BasicCredentials | undefined {
  const encoded = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

// Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const sameSecret = (sent: string, expected: string): boolean => timingSafeEqual(sha256(sent), sha256(expected));

const clientRefusal = (description: string): Answer =>
  errorAnswer(401, 'invalid_client', description, { headers: { ...NO_STORE, 'www-authenticate': 'Basic realm="issuer"' } });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The form fields of the request, or undefined when the body is not form-encoded. */
function formFieldsOf(context: IssuerContext, reading: BodyReading): Record<string, unknown> | undefined {
  if (reading.kind === 'form') return reading.value;
  if (reading.kind === 'empty') return {};
  if (reading.kind === 'json' && context.faults.has('token-json-body-accepted') && isRecord(reading.value)) return reading.value;
  return undefined;
}

/** POST /authz/d1/v1/oauth2/token (issuerGetToken): Basic client credentials, client_credentials grant. */
export function answerTokenRequest(context: IssuerContext, exchange: IncomingExchange): Answer {
  const { config, faults, tokens } = context;
  const settings = context.settings.tokens;
  if (exchange.headers.authorization === undefined && settings.missingClientAuthentication === 400) {
    return errorAnswer(400, 'invalid_request', 'no client authentication was provided', { headers: NO_STORE });
  }
  const credentials = basicCredentialsOf(exchange.headers.authorization);
  if (credentials === undefined) return clientRefusal('HTTP Basic client credentials are required');
  if (credentials.clientId !== config.clientId) return clientRefusal('client authentication failed');
  if (!sameSecret(credentials.clientSecret, config.clientSecret) && !faults.has('token-wrong-secret-accepted')) {
    if (faults.has('token-wrong-secret-answered-400'))
      return errorAnswer(400, 'invalid_request', 'client authentication failed', { headers: NO_STORE });
    return clientRefusal('client authentication failed');
  }

  const fields = formFieldsOf(context, readBodyAs(exchange));
  if (fields === undefined) {
    return errorAnswer(400, 'invalid_request', `the token request must be form-encoded (${FORM})`, { headers: NO_STORE });
  }
  // The media type was settled above; the contract now checks the fields themselves.
  const violations = validateRequest('issuerGetToken', { headers: { 'content-type': FORM }, body: fields });
  const unsupportedGrant = violations.some((violation) => violation.ruleId === 'ISSUER-TOKEN-GRANTTYPE-ENUM');
  const malformed = violations.filter((violation) => violation.ruleId !== 'ISSUER-TOKEN-GRANTTYPE-ENUM');
  if (malformed.length > 0) {
    return errorAnswer(400, 'invalid_request', 'grant_type is missing or malformed', { headers: NO_STORE, violations: malformed });
  }
  if (unsupportedGrant && !faults.has('token-unsupported-grant-accepted')) {
    return errorAnswer(400, 'unsupported_grant_type', 'only client_credentials is supported', { headers: NO_STORE });
  }

  const { accessToken, expiresAt } = tokens.issue();
  const scope = typeof fields.scope === 'string' && fields.scope !== '' ? fields.scope : undefined;
  return jsonAnswer(
    200,
    {
      access_token: accessToken,
      token_type: faults.has('token-type-lowercase') ? 'bearer' : 'Bearer',
      expires_in:
        faults.has('token-expires-in-number') || settings.expiresInAsNumber
          ? config.tokenLifetimeSeconds
          : String(config.tokenLifetimeSeconds),
      ...(settings.expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
      ...(scope === undefined ? {} : { scope }),
    },
    NO_STORE,
  );
}
