/**
 * The bank backend a mock D1 notifies and asks for consumer information, as the mock D1 command and the observer's
 * recording mode both take it: `--issuer-url`, `--issuer-auth-url`, `--issuer-client-id`, and the client secret from
 * MOCK_D1_ISSUER_CLIENT_SECRET.
 */
import { ConfigurationError } from './errors.js';
import { httpUrl } from './values.js';

export interface IssuerBackendFlags {
  readonly 'issuer-url'?: string | undefined;
  readonly 'issuer-auth-url'?: string | undefined;
  readonly 'issuer-client-id'?: string | undefined;
}

/** Where the bank's backend is, and the Basic credentials of its token endpoint when it protects its endpoints. */
export interface IssuerBackendAddress {
  readonly baseUrl: string;
  readonly authUrl?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
}

export function issuerBackendFrom(
  values: IssuerBackendFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): IssuerBackendAddress | undefined {
  // The client secret comes from the environment so that it never shows in a process list.
  const clientSecret = env.MOCK_D1_ISSUER_CLIENT_SECRET;
  const clientId = values['issuer-client-id'];
  const authUrl = values['issuer-auth-url'];
  if (authUrl && (!clientId || !clientSecret)) {
    throw new ConfigurationError('--issuer-auth-url needs --issuer-client-id and the MOCK_D1_ISSUER_CLIENT_SECRET environment variable');
  }
  const baseUrl = values['issuer-url'];
  if (!baseUrl) return undefined;
  return {
    baseUrl: httpUrl(baseUrl, '--issuer-url'),
    ...(authUrl ? { authUrl: httpUrl(authUrl, '--issuer-auth-url'), clientId, clientSecret } : {}),
  };
}
