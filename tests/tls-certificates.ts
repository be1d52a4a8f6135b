/**
 * Certificates for tests, made with openssl in a temporary directory as tests/observer/tls-front.ts makes its own:
 * node:crypto makes keys but cannot sign certificates. EC P-256 keys keep it fast.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Whether openssl is on the PATH; a test that needs a certificate is skipped without it. */
export const haveOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** A certificate and its private key, as PEM text. */
export interface CertificateAndKey {
  readonly cert: string;
  readonly key: string;
}

/**
 * A server certificate for one IP address, signed with its own key and valid for a day: a client trusts it by taking
 * the certificate itself as its certificate authority.
 */
export function makeSelfSignedCertificate(ipAddress: string): CertificateAndKey {
  const dir = mkdtempSync(path.join(tmpdir(), 'test-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'server.key',
        '-out',
        'server.crt',
        '-days',
        '1',
        '-subj',
        `/CN=${ipAddress}`,
        '-addext',
        `subjectAltName=IP:${ipAddress}`,
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { cwd: dir, stdio: 'pipe' },
    );
    return { cert: readFileSync(path.join(dir, 'server.crt'), 'utf8'), key: readFileSync(path.join(dir, 'server.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
