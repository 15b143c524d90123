// Opt-in HTTPS for the local runtime (HTTPS_PORT): some PagerDuty client libraries refuse a plain
// http:// events URL. A self-signed certificate for localhost and 127.0.0.1 is generated once with
// the openssl CLI into <data dir>/tls/ and reused; clients trust it with its PEM file
// (curl --cacert .local/tls/cert.pem, NODE_EXTRA_CA_CERTS=.local/tls/cert.pem) or skip the check.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface LocalCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export function localCertificate(dataDir: string): LocalCertificate {
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-sha256',
          '-days',
          '825',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      throw new Error(
        `HTTPS_PORT is set but the self-signed certificate could not be made with openssl (is it installed?): ${(err as Error).message}`,
      );
    }
  }
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
