// S3, locally: a real S3 API (s3rver) with its objects under <dataDir>/s3, serving the catalog's
// buckets (created at start, kept across restarts). Handlers reach it with the same SDK calls as
// in AWS: the runtime sets AWS_ENDPOINT_URL_S3 and shared/adapters/s3.ts addresses buckets by path.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import type { BucketDefinition } from '../catalog';

export interface LocalS3 {
  endpoint: string;
  port: number;
  /** Catalog bucket name → physical bucket name. */
  buckets: Map<string, string>;
  stop(): Promise<void>;
}

/** The physical name of a catalog bucket locally: `<prefix>-<name>` (S3 allows 3 to 63 characters). */
export function localBucketName(prefix: string, name: string): string {
  const physical = `${prefix}-${name}`.toLowerCase();
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(physical))
    throw new Error(`Bucket ${name}: "${physical}" is not a valid S3 bucket name (3 to 63 characters)`);
  return physical;
}

/** The credentials the local runtime gives every handler (runtime.ts); s3rver accepts only keys it knows. */
export const LOCAL_ACCESS_KEY = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalS3(opts: {
  dataDir: string;
  buckets: BucketDefinition[];
  prefix: string;
  port?: number;
  host?: string;
}): Promise<LocalS3> {
  const directory = path.join(opts.dataDir, 's3');
  mkdirSync(directory, { recursive: true });
  const buckets = new Map(opts.buckets.map((b) => [b.name, localBucketName(opts.prefix, b.name)]));
  // s3rver checks the access key id (not v4 signatures): know the one handlers sign with.
  DUMMY_ACCOUNT.createKeyPair(LOCAL_ACCESS_KEY.accessKeyId, LOCAL_ACCESS_KEY.secretAccessKey);
  const server = new S3rver({
    address: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    directory,
    silent: true,
    configureBuckets: [...buckets.values()].map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    buckets,
    stop: () => server.close(),
  };
}
