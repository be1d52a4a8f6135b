import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AdapterPayload, Configuration } from 'oidc-provider';

/** Where the token route sits below an issuer's OAuth base, as D1 calls it. */
const TOKEN_PATH = '/authz/d1/v1/oauth2/token';

export interface OidcTokenServerOptions {
  readonly host: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenLifetimeSeconds: number;
  /** Every access token granted, so that the issuer's endpoints accept it as a bearer token. */
  readonly onIssued: (accessToken: string, expiresAt: Date) => void;
}

export interface RunningOidcTokenServer {
  /** ISSUER_AUTH_URL of the variant: the token endpoint is `${authUrl}/oauth2/token`. */
  readonly authUrl: string;
  stop(): Promise<void>;
}

/** oidc-provider's storage interface, kept in memory: the issuer's tokens live only as long as the process. */
class MemoryAdapter {
  private static readonly store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();

  constructor(private readonly name: string) {}

  private key(id: string): string {
    return `${this.name}:${id}`;
  }

  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    MemoryAdapter.store.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
    return Promise.resolve();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    const entry = MemoryAdapter.store.get(this.key(id));
    return Promise.resolve(entry && entry.expiresAt > Date.now() ? entry.payload : undefined);
  }

  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  consume(id: string): Promise<void> {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
    return Promise.resolve();
  }

  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The bank's token endpoint served by a certified OAuth 2.0 server, oidc-provider, instead of the reference issuer's
 * own code: client credentials grant, client_secret_basic, the route D1 calls. It answers as mainstream OAuth servers
 * do (expires_in a number, 400 invalid_request without client authentication), which the issuer suite must accept.
 */
export async function startOidcTokenServer(options: OidcTokenServerOptions): Promise<RunningOidcTokenServer> {
  // Loaded only for this variant: on Node 20 the package warns at import that the runtime is past its support.
  const { default: Provider } = await import('oidc-provider');
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const origin = `http://${options.host}:${port}`;
  // Signing keys and storage of our own, so that the provider runs without its development-only defaults.
  const signingKey = {
    ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
    kid: randomUUID(),
    alg: 'ES256',
    use: 'sig',
  };
  const configuration: Configuration = {
    adapter: MemoryAdapter,
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // The provider signs with the one key it has; the client never asks for an ID token anyway.
        id_token_signed_response_alg: 'ES256',
      },
    ],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomUUID()] },
    responseTypes: ['none'],
    routes: { token: TOKEN_PATH },
    ttl: { ClientCredentials: options.tokenLifetimeSeconds },
  };
  const provider = new Provider(origin, configuration);
  // An opaque access token is its own id (jti), which the issuer's endpoints then accept as a bearer token.
  provider.on('client_credentials.saved', (token: { jti: string; expiresIn?: number }) => {
    options.onIssued(token.jti, new Date(Date.now() + (token.expiresIn ?? options.tokenLifetimeSeconds) * 1000));
  });
  const handle = provider.callback();
  server.on('request', (request, response) => {
    void handle(request, response);
  });
  return {
    authUrl: `${origin}${TOKEN_PATH.replace(/\/oauth2\/token$/, '')}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
