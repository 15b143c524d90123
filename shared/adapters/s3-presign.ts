// Presigned S3 GET links, apart from ./s3.ts so that only the functions that hand out links bundle
// the presigner. Signed locally with the function's own credentials; the same call works against
// s3rver (the local runtime) and S3.
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3Client } from './s3';

/** SigV4 presigned URLs live at most a week (S3 refuses longer ones). */
export const MAX_PRESIGNED_SECONDS = 7 * 86_400;

export interface PresignedLink {
  url: string;
  /** When the link stops working: the lifetime asked for, or earlier when the signing credentials expire first. */
  expiresAt: string;
}

/**
 * A GET link to one object that anyone holding it may use until it expires, signed locally with
 * the function's own credentials (its role in AWS, which must be allowed s3:GetObject there).
 * A link signed with temporary credentials (a Lambda role's) stops working when they expire, even
 * if it asked for longer: `expiresAt` says which comes first.
 */
export async function presignGet(
  bucket: string,
  key: string,
  opts: { expiresInSeconds: number; contentDisposition?: string },
  c: S3Client = s3Client(),
): Promise<PresignedLink> {
  const expiresIn = Math.max(1, Math.min(Math.floor(opts.expiresInSeconds), MAX_PRESIGNED_SECONDS));
  const signedAt = Date.now();
  const url = await getSignedUrl(
    c,
    new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: opts.contentDisposition }),
    { expiresIn },
  );
  const credentials = await c.config.credentials();
  let until = signedAt + expiresIn * 1000;
  if (credentials.expiration) until = Math.min(until, credentials.expiration.getTime());
  return { url, expiresAt: new Date(until).toISOString() };
}
