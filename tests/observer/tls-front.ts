import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';

/** Whether openssl is on the PATH: node:crypto makes keys but cannot sign certificates. */
export const haveOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, as PEM text. */
export interface TlsMaterial {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * Makes the material with openssl in a temporary directory, removed afterwards; EC P-256 keys keep it fast. The
 * server certificate names `serverAddress` (127.0.0.1 unless told otherwise).
 */
export function makeTlsMaterial(serverAddress = '127.0.0.1'): TlsMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'observer-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl('req', '-x509', ...newKey, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=observer test CA');
    writeFileSync(file('server.ext'), `subjectAltName=IP:${serverAddress}\nextendedKeyUsage=serverAuth\n`);
    writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, subject] of [
      ['server', `/CN=${serverAddress}`],
      ['client', '/CN=issuer-client'],
    ] as const) {
      openssl('req', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('ca.crt'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-out',
        file(`${name}.crt`),
        '-days',
        '1',
        '-extfile',
        file(`${name}.ext`),
      );
    }
    const read = (name: string): string => readFileSync(file(name), 'utf8');
    return {
      ca: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TlsFront {
  /** `https://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The common name of each client certificate presented, in order. */
  readonly clients: string[];
  stop(): Promise<void>;
}

/**
 * A TLS terminator that demands a client certificate signed by the CA, as D1 does, and pipes the bytes unchanged
 * to a plain-HTTP server on the loopback (the mock D1), so that the mock stands for a D1 reached over mutual TLS.
 */
export async function startTlsFront(material: TlsMaterial, targetPort: number): Promise<TlsFront> {
  const clients: string[] = [];
  const sockets = new Set<{ destroy(): void }>();
  const server = createServer(
    { key: material.serverKey, cert: material.serverCert, ca: material.ca, requestCert: true, rejectUnauthorized: true },
    (socket: TLSSocket) => {
      const subject = socket.getPeerCertificate().subject as Record<string, string> | undefined;
      clients.push(subject?.CN ?? '(none)');
      const target = connect(targetPort, '127.0.0.1');
      sockets.add(socket).add(target);
      socket.pipe(target).pipe(socket);
      const close = (): void => {
        socket.destroy();
        target.destroy();
      };
      socket.on('error', close);
      target.on('error', close);
    },
  );
  // A client refused during the handshake is the point of one test, not an error of the front.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    clients,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
