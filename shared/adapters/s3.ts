// S3 from handlers: one client (s3Client) and the few object calls the features need. The same SDK
// calls run in both runtimes: in AWS they reach S3; the local runtime serves a real S3 API (s3rver)
// and sets AWS_ENDPOINT_URL_S3, so the client then addresses buckets by path (no DNS per bucket).
// Catalog buckets are found by name through BUCKET_<NAME> (bucketName).
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

let client: S3Client | undefined;
let clientEndpoint: string | undefined;
let configure: (c: S3Client) => void = () => {};

/** The S3 client every handler shares (the endpoint follows AWS_ENDPOINT_URL_S3; path-style there). */
export function s3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3;
  if (!client || clientEndpoint !== endpoint) {
    client?.destroy();
    client = new S3Client(endpoint ? { endpoint, forcePathStyle: true } : {});
    clientEndpoint = endpoint;
    configure(client);
  }
  return client;
}

/** The local runtime adds its grant checks (IAM, locally) to the shared client. */
export function configureS3Client(fn: (c: S3Client) => void): void {
  configure = fn;
  client?.destroy();
  client = undefined;
}

/** A catalog bucket's physical name, from the environment both runtimes set (BUCKET_<NAME>). */
export function bucketName(name: string): string {
  const env = `BUCKET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const value = process.env[env];
  if (!value) throw new Error(`${env} is not set: the catalog does not grant this function bucket ${name}`);
  return value;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
}

/** The whole object as bytes; ObjectNotFoundError when there is none under the key. */
export async function getObjectBytes(bucket: string, key: string, c: S3Client = s3Client()): Promise<Buffer> {
  try {
    const out = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey')
      throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    throw err;
  }
}

export async function putObject(
  bucket: string,
  key: string,
  body: Buffer | string,
  contentType = 'application/octet-stream',
  c: S3Client = s3Client(),
): Promise<void> {
  await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export async function deleteObject(bucket: string, key: string, c: S3Client = s3Client()): Promise<void> {
  await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Deletes the keys, 1,000 per request (S3's DeleteObjects limit); throws if S3 could not delete one. */
export async function deleteObjects(bucket: string, keys: string[], c: S3Client = s3Client()): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const out = await c.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = out.Errors ?? [];
    if (failed.length > 0)
      throw new Error(
        `s3://${bucket}: ${failed.length} object(s) were not deleted (first: ${failed[0]!.Key}: ${failed[0]!.Code})`,
      );
  }
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
}

/** Every object under the prefix, in key order (all pages). */
export async function listObjects(bucket: string, prefix: string, c: S3Client = s3Client()): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? [])
      objects.push({
        key: o.Key!,
        size: o.Size ?? 0,
        etag: o.ETag ?? '',
        lastModified: (o.LastModified ?? new Date(0)).toISOString(),
      });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** The object's size and type; ObjectNotFoundError when there is none under the key. */
export async function headObject(
  bucket: string,
  key: string,
  c: S3Client = s3Client(),
): Promise<{ bytes: number; contentType?: string }> {
  try {
    const out = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { bytes: out.ContentLength ?? 0, contentType: out.ContentType };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
      throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    throw err;
  }
}
