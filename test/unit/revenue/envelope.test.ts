// Envelope encryption (shared/adapters/envelope.ts): one file format whether the data key comes from
// KMS or from the local key file; a tampered, truncated or wrongly keyed file is refused whole.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EnvelopeError,
  KmsDataKeyProvider,
  LocalDataKeyProvider,
  openEnvelope,
  readEnvelopeHeader,
  sealEnvelope,
} from '../../../shared/adapters/envelope';

const content = Buffer.from('record_id,subscriber,service\nc1,+33600000001,voice\n'.repeat(50));
const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'envelope-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function refusal(p: Promise<unknown>): Promise<EnvelopeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EnvelopeError);
  return err as EnvelopeError;
}

describe('envelope with the local key file', () => {
  const dir = dataDir();
  const local = new LocalDataKeyProvider(dir);

  it('round-trips the content; the header names the key and the body is not the plaintext', async () => {
    const sealed = await sealEnvelope(content, 'local:ra', local);
    expect(sealed.subarray(0, 6).toString()).toBe('NOCENV');
    expect(readEnvelopeHeader(sealed).keyId).toBe('local:ra');
    expect(sealed.includes(Buffer.from('+33600000001'))).toBe(false);
    expect(await openEnvelope(sealed, { provider: local })).toEqual(content);
    expect(readFileSync(path.join(dir, 'kms', 'ra.key'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses a fresh data key per file', async () => {
    const [a, b] = await Promise.all([
      sealEnvelope(content, 'local:ra', local),
      sealEnvelope(content, 'local:ra', local),
    ]);
    expect(readEnvelopeHeader(a).encryptedKey.equals(readEnvelopeHeader(b).encryptedKey)).toBe(false);
  });

  it('refuses a file with one byte of its body changed, as tampered', async () => {
    const sealed = await sealEnvelope(content, 'local:ra', local);
    const at = readEnvelopeHeader(sealed).length + 10;
    sealed[at] = sealed[at]! ^ 0x01;
    const err = await refusal(openEnvelope(sealed, { provider: local }));
    expect(err.reason).toBe('tampered');
    expect(err.message).toMatch(/changed after it was encrypted/);
  });

  it('refuses a file whose IV (header, authenticated) or tag was changed', async () => {
    const sealed = await sealEnvelope(content, 'local:ra', local);
    const iv = Buffer.from(sealed);
    iv[readEnvelopeHeader(sealed).length - 1]! ^= 0x80;
    expect((await refusal(openEnvelope(iv, { provider: local }))).reason).toBe('tampered');
    const tag = Buffer.from(sealed);
    tag[tag.length - 1]! ^= 0x01;
    expect((await refusal(openEnvelope(tag, { provider: local }))).reason).toBe('tampered');
  });

  it('refuses a file wrapped by another key file (wrongly keyed)', async () => {
    const other = new LocalDataKeyProvider(dataDir());
    const sealed = await sealEnvelope(content, 'local:ra', other);
    const err = await refusal(openEnvelope(sealed, { provider: local }));
    expect(err.reason).toBe('key');
    expect(err.message).toMatch(/does not open with local:ra/);
  });

  it('refuses a file encrypted for another key than the one expected, before asking for any key', async () => {
    const sealed = await sealEnvelope(content, 'local:partner', local);
    const err = await refusal(openEnvelope(sealed, { provider: local, expectedKeyId: 'local:ra' }));
    expect(err.reason).toBe('key');
    expect(err.message).toBe('the file is encrypted for key local:partner, not local:ra');
  });

  it('refuses what is not an envelope, and a truncated one, as format errors', async () => {
    expect((await refusal(openEnvelope(content, { provider: local }))).reason).toBe('format');
    const sealed = await sealEnvelope(content, 'local:ra', local);
    for (const cut of [5, 12, readEnvelopeHeader(sealed).length + 3]) {
      const err = await refusal(openEnvelope(sealed.subarray(0, cut), { provider: local }));
      expect(err.reason).toBe('format');
    }
    const v2 = Buffer.from(sealed);
    v2[6] = 2;
    expect((await refusal(openEnvelope(v2, { provider: local }))).message).toMatch(/format version 2/);
  });
});

describe('envelope with KMS', () => {
  const kms = mockClient(KMSClient);
  const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const dataKey = Buffer.alloc(32, 7);
  const wrapped = Buffer.from('kms-wrapped-blob');
  beforeEach(() => kms.reset());

  it('asks KMS for one AES-256 data key per file and for Decrypt to open it, with the envelope context', async () => {
    kms
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: Buffer.from(dataKey), CiphertextBlob: wrapped, KeyId: keyArn });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(dataKey), KeyId: keyArn });
    const provider = new KmsDataKeyProvider(new KMSClient({ region: 'eu-west-1' }));
    const sealed = await sealEnvelope(content, keyArn, provider);
    expect(readEnvelopeHeader(sealed)).toMatchObject({ keyId: keyArn, encryptedKey: wrapped });
    expect(await openEnvelope(sealed, { provider })).toEqual(content);
    const gen = kms.commandCalls(GenerateDataKeyCommand);
    expect(gen).toHaveLength(1);
    expect(gen[0]!.args[0].input).toEqual({
      KeyId: keyArn,
      KeySpec: 'AES_256',
      EncryptionContext: { purpose: 'nocturne-envelope' },
    });
    const dec = kms.commandCalls(DecryptCommand);
    expect(dec[0]!.args[0].input).toMatchObject({ KeyId: keyArn, EncryptionContext: { purpose: 'nocturne-envelope' } });
    expect(Buffer.from(dec[0]!.args[0].input.CiphertextBlob!)).toEqual(wrapped);
  });

  it('turns KMS refusing the wrapped key into a wrongly keyed file', async () => {
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: Buffer.from(dataKey), CiphertextBlob: wrapped });
    kms.on(DecryptCommand).rejects(Object.assign(new Error('bad blob'), { name: 'InvalidCiphertextException' }));
    const provider = new KmsDataKeyProvider(new KMSClient({ region: 'eu-west-1' }));
    const sealed = await sealEnvelope(content, keyArn, provider);
    const err = await refusal(openEnvelope(sealed, { provider }));
    expect(err.reason).toBe('key');
    expect(err.message).toMatch(/InvalidCiphertextException/);
  });

  it('lets other KMS failures (throttling, outages) through as they are, to be retried', async () => {
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: Buffer.from(dataKey), CiphertextBlob: wrapped });
    kms.on(DecryptCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const provider = new KmsDataKeyProvider(new KMSClient({ region: 'eu-west-1' }));
    const sealed = await sealEnvelope(content, keyArn, provider);
    await expect(openEnvelope(sealed, { provider })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
