// Where the SES receipt rule put a message: its S3 action stores the raw MIME object under
// <prefix><messageId> in the inbound bucket, then the Lambda action invokes us with the mail's
// metadata only. Behind a small interface so tests need no S3.
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface MailSource {
  size(bucket: string, key: string): Promise<number>;
  read(bucket: string, key: string): Promise<Buffer>;
}

export class S3MailSource implements MailSource {
  constructor(private readonly client = new S3Client({})) {}

  async size(bucket: string, key: string): Promise<number> {
    const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return Number(r.ContentLength ?? 0);
  }

  async read(bucket: string, key: string): Promise<Buffer> {
    const r = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  }
}

let source: MailSource | undefined;

export function mailSource(): MailSource {
  source ??= new S3MailSource();
  return source;
}

export function setMailSource(s: MailSource | undefined): void {
  source = s;
}
