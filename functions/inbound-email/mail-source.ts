// Where the SES receipt rule put a message: its S3 action stores the raw MIME object under
// <prefix><messageId> in the inbound bucket, then the Lambda action invokes us with the mail's
// metadata only. Behind a small interface so tests need no S3.
//
// The S3 client package loads with the first SES event, not at cold start: the function also takes
// mail over HTTP (POST /inbound-email), which never reads S3 (issue 15: ~40–110 ms of CPU per SDK
// client at cold start). The first SES event of a container pays for it.
import type { S3Client } from '@aws-sdk/client-s3';

export interface MailSource {
  size(bucket: string, key: string): Promise<number>;
  read(bucket: string, key: string): Promise<Buffer>;
}

type S3Sdk = typeof import('@aws-sdk/client-s3');
let s3Sdk: Promise<S3Sdk> | undefined;

export class S3MailSource implements MailSource {
  constructor(private client?: S3Client) {}

  private async s3(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    const sdk = await (s3Sdk ??= import('@aws-sdk/client-s3'));
    this.client ??= new sdk.S3Client({});
    return { sdk, client: this.client };
  }

  async size(bucket: string, key: string): Promise<number> {
    const { sdk, client } = await this.s3();
    const r = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return Number(r.ContentLength ?? 0);
  }

  async read(bucket: string, key: string): Promise<Buffer> {
    const { sdk, client } = await this.s3();
    const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
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
