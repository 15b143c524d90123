// The SES path of inbound-email reads the stored message from S3: its size first (an oversized
// message is never downloaded), then its bytes, from the bucket and key it is given. The S3 client
// package loads on that first read (not at cold start), so the calls go through the loaded SDK's
// commands.
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3MailSource } from '../../../functions/inbound-email/mail-source';

function fakeS3(objects: Record<string, Buffer>) {
  const sent: Array<{ command: string; input: unknown }> = [];
  const client = {
    send: async (cmd: HeadObjectCommand | GetObjectCommand) => {
      const { Bucket, Key } = cmd.input;
      sent.push({ command: cmd.constructor.name, input: cmd.input });
      const body = objects[`${Bucket}/${Key}`];
      if (!body) throw Object.assign(new Error('NotFound'), { name: 'NotFound' });
      if (cmd instanceof HeadObjectCommand) return { ContentLength: body.length };
      if (cmd instanceof GetObjectCommand) return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
      throw new Error(`unexpected ${(cmd as object).constructor.name}`);
    },
  };
  return { client: client as unknown as S3Client, sent };
}

test('the size and the bytes of the stored message come from S3 HeadObject and GetObject', async () => {
  const mime = Buffer.from('From: a@example.com\r\nSubject: hi\r\n\r\nbody');
  const s3 = fakeS3({ 'inbound/mail/abc': mime });
  const source = new S3MailSource(s3.client);

  expect(await source.size('inbound', 'mail/abc')).toBe(mime.length);
  expect(await source.read('inbound', 'mail/abc')).toEqual(mime);
  expect(s3.sent).toEqual([
    { command: 'HeadObjectCommand', input: { Bucket: 'inbound', Key: 'mail/abc' } },
    { command: 'GetObjectCommand', input: { Bucket: 'inbound', Key: 'mail/abc' } },
  ]);
  await expect(source.size('inbound', 'mail/missing')).rejects.toMatchObject({ name: 'NotFound' });
});
