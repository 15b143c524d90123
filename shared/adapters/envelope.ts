// Envelope encryption of files (revenue assurance usage files, partner extracts): every file gets a
// fresh 256-bit data key, its body is AES-256-GCM under that key, and the data key travels in the
// file's header encrypted under a master key (KMS in AWS; locally a key file under the data dir).
// One format in both runtimes (docs/decisions/0024-distributed-map-locally-and-envelope-format.md):
//
//   "NOCENV" | version 0x01 | u16 key-id length | key id (UTF-8) | u16 encrypted-key length |
//   encrypted data key | 12-byte IV | ciphertext | 16-byte GCM tag
//
// Everything before the ciphertext is the GCM additional data, so a changed key id or wrapped key
// fails authentication like a changed byte of the body. openEnvelope verifies the tag before it
// returns anything: a tampered or wrongly keyed file is rejected whole (EnvelopeError), never
// half read.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

const MAGIC = Buffer.from('NOCENV', 'ascii');
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** KMS encryption context (and the local wrap's additional data): a key used for envelopes only opens envelopes. */
const CONTEXT = { purpose: 'nocturne-envelope' };

export type EnvelopeFailure = 'format' | 'key' | 'tampered';

/** The file cannot be opened: not an envelope (`format`), its data key does not open with the
 * master key (`key`: wrong key, or no access to it), or its content was changed (`tampered`). */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  constructor(
    readonly reason: EnvelopeFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Makes and opens data keys under a master key. */
export interface DataKeyProvider {
  generateDataKey(keyId: string): Promise<{ plaintext: Buffer; encrypted: Buffer }>;
  /** The plaintext data key; EnvelopeError('key') when the master key cannot open it. */
  decryptDataKey(keyId: string, encrypted: Buffer): Promise<Buffer>;
}

/** AWS: one KMS GenerateDataKey per file, Decrypt to open it. */
export class KmsDataKeyProvider implements DataKeyProvider {
  constructor(private readonly client: KMSClient = new KMSClient({})) {}

  async generateDataKey(keyId: string): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const out = await this.client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error(`KMS GenerateDataKey on ${keyId} returned no key`);
    return { plaintext: Buffer.from(out.Plaintext), encrypted: Buffer.from(out.CiphertextBlob) };
  }

  async decryptDataKey(keyId: string, encrypted: Buffer): Promise<Buffer> {
    try {
      const out = await this.client.send(
        new DecryptCommand({ KeyId: keyId, CiphertextBlob: encrypted, EncryptionContext: CONTEXT }),
      );
      if (!out.Plaintext) throw new EnvelopeError('key', `KMS Decrypt with ${keyId} returned no key`);
      return Buffer.from(out.Plaintext);
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      // What KMS answers for a blob of another key, a changed blob, or a key we may not use.
      if (['InvalidCiphertextException', 'IncorrectKeyException', 'AccessDeniedException'].includes(name))
        throw new EnvelopeError('key', `the file's data key does not open with ${keyId} (KMS ${name})`);
      throw err;
    }
  }
}

/** Locally: the master key `local:<name>` is 32 random bytes in <dataDir>/kms/<name>.key (created on first use). */
export class LocalDataKeyProvider implements DataKeyProvider {
  constructor(private readonly dataDir: string) {}

  private masterKey(keyId: string): Buffer {
    const name = keyId.slice('local:'.length);
    if (!keyId.startsWith('local:') || !/^[a-z0-9-]+$/.test(name))
      throw new EnvelopeError('key', `${keyId} is not a local key id (local:<name>)`);
    const dir = path.join(this.dataDir, 'kms');
    const file = path.join(dir, `${name}.key`);
    mkdirSync(dir, { recursive: true });
    try {
      // wx: two processes creating the key at once keep the first one.
      writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`${file} does not hold a 256-bit key (64 hex digits)`);
    return key;
  }

  generateDataKey(keyId: string): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const master = this.masterKey(keyId);
    const plaintext = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(Buffer.from(CONTEXT.purpose));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Promise.resolve({ plaintext, encrypted: Buffer.concat([iv, body, cipher.getAuthTag()]) });
  }

  decryptDataKey(keyId: string, encrypted: Buffer): Promise<Buffer> {
    const master = this.masterKey(keyId);
    if (encrypted.length !== IV_BYTES + 32 + TAG_BYTES)
      return Promise.reject(new EnvelopeError('key', `the file's data key is not one wrapped by ${keyId}`));
    try {
      const decipher = createDecipheriv('aes-256-gcm', master, encrypted.subarray(0, IV_BYTES))
        .setAAD(Buffer.from(CONTEXT.purpose))
        .setAuthTag(encrypted.subarray(IV_BYTES + 32));
      return Promise.resolve(
        Buffer.concat([decipher.update(encrypted.subarray(IV_BYTES, IV_BYTES + 32)), decipher.final()]),
      );
    } catch {
      return Promise.reject(
        new EnvelopeError('key', `the file's data key does not open with ${keyId}: another key wrapped it`),
      );
    }
  }
}

let kms: KmsDataKeyProvider | undefined;

/** The provider for a key id: `local:<name>` (the local runtime sets these) or a KMS key id/ARN. */
export function dataKeyProviderFor(keyId: string): DataKeyProvider {
  if (keyId.startsWith('local:')) {
    const dir = process.env.NOCTURNE_DATA_DIR;
    if (!dir) throw new Error(`${keyId} is a local key, but NOCTURNE_DATA_DIR is not set`);
    return new LocalDataKeyProvider(dir);
  }
  return (kms ??= new KmsDataKeyProvider());
}

/** A catalog key's id, from the environment both runtimes set (KMS_KEY_<NAME>). */
export function keyIdOf(name: string): string {
  const env = `KMS_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const value = process.env[env];
  if (!value) throw new Error(`${env} is not set: the catalog does not grant this function key ${name}`);
  return value;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** Encrypts the content under a fresh data key wrapped by the master key keyId. */
export async function sealEnvelope(
  content: Buffer,
  keyId: string,
  provider: DataKeyProvider = dataKeyProviderFor(keyId),
): Promise<Buffer> {
  const { plaintext, encrypted } = await provider.generateDataKey(keyId);
  const id = Buffer.from(keyId, 'utf8');
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([
    MAGIC,
    Buffer.from([VERSION]),
    u16(id.length),
    id,
    u16(encrypted.length),
    encrypted,
    iv,
  ]);
  const cipher = createCipheriv('aes-256-gcm', plaintext, iv).setAAD(header);
  const body = Buffer.concat([cipher.update(content), cipher.final()]);
  plaintext.fill(0);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

export interface EnvelopeHeader {
  keyId: string;
  encryptedKey: Buffer;
  iv: Buffer;
  /** Bytes of the header (the GCM additional data). */
  length: number;
}

/** Reads the header; EnvelopeError('format') when the bytes are not an envelope of this version. */
export function readEnvelopeHeader(file: Buffer): EnvelopeHeader {
  const bad = (why: string) => new EnvelopeError('format', `not a Nocturne envelope file: ${why}`);
  if (file.length < MAGIC.length + 1 || !file.subarray(0, MAGIC.length).equals(MAGIC))
    throw bad('it does not start with NOCENV');
  if (file[MAGIC.length] !== VERSION) throw bad(`format version ${file[MAGIC.length]} (this code reads ${VERSION})`);
  let at = MAGIC.length + 1;
  const take = (n: number, what: string) => {
    if (at + n > file.length) throw bad(`it ends inside its ${what}`);
    const part = file.subarray(at, at + n);
    at += n;
    return part;
  };
  const keyId = take(take(2, 'key id length').readUInt16BE(), 'key id').toString('utf8');
  const encryptedKey = take(take(2, 'data key length').readUInt16BE(), 'data key');
  const iv = take(IV_BYTES, 'IV');
  if (file.length - at < TAG_BYTES) throw bad('it ends before its authentication tag');
  return { keyId, encryptedKey, iv, length: at };
}

/**
 * The content of an envelope, verified. With expectedKeyId the file must name that master key (a
 * file wrapped for another key is refused before any key service is asked).
 */
export async function openEnvelope(
  file: Buffer,
  opts: { expectedKeyId?: string; provider?: DataKeyProvider } = {},
): Promise<Buffer> {
  const header = readEnvelopeHeader(file);
  if (opts.expectedKeyId !== undefined && header.keyId !== opts.expectedKeyId)
    throw new EnvelopeError('key', `the file is encrypted for key ${header.keyId}, not ${opts.expectedKeyId}`);
  const provider = opts.provider ?? dataKeyProviderFor(header.keyId);
  const dataKey = await provider.decryptDataKey(header.keyId, header.encryptedKey);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, header.iv)
      .setAAD(file.subarray(0, header.length))
      .setAuthTag(file.subarray(file.length - TAG_BYTES));
    return Buffer.concat([decipher.update(file.subarray(header.length, file.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new EnvelopeError('tampered', 'the file was changed after it was encrypted (authentication tag mismatch)');
  } finally {
    dataKey.fill(0);
  }
}
