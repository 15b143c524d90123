// SNS message signing for tests: a real RSA key (node:crypto) and a self-signed X.509
// certificate (the openssl CLI) made in a temporary directory.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snsStringToSign, type SnsEnvelope } from '../../shared/domain/normalizers/cloudwatch';

export interface Signer {
  privateKey: KeyObject;
  certificatePem: string;
}

export function makeSigner(dir: string, name: string): Signer {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, `${name}.key.pem`);
  const certFile = join(dir, `${name}.cert.pem`);
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  execFileSync(
    'openssl',
    ['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=sns.${name}.test`, '-days', '1', '-out', certFile],
    {
      stdio: 'pipe',
    },
  );
  return { privateKey, certificatePem: readFileSync(certFile, 'utf8') };
}

export function signed(envelope: SnsEnvelope, signer: Signer, version: '1' | '2'): SnsEnvelope {
  const withVersion = { ...envelope, SignatureVersion: version } as SnsEnvelope;
  const signature = sign(
    version === '1' ? 'sha1' : 'sha256',
    Buffer.from(snsStringToSign(withVersion), 'utf8'),
    signer.privateKey,
  );
  return { ...withVersion, Signature: signature.toString('base64') };
}
