// What a catalog BucketAccess allows, in one place for both runtimes: the IAM statements in AWS
// (infra/aws/buckets.ts) and the local S3 grant checks (infra/local/runtime.ts, the Distributed
// Map's S3 in infra/local/stepfunctions/service.ts) read these, so the two cannot disagree.
import type { BucketAccess } from './types';

/** The key prefixes an access covers; '' is the whole bucket. Every write prefix is readable too. */
export interface BucketPrefixes {
  read: string[];
  write: string[];
}

export function bucketPrefixes(access: BucketAccess): BucketPrefixes {
  if (access === 'read') return { read: [''], write: [] };
  if (access === 'readwrite') return { read: [''], write: [''] };
  const write = [...new Set(access.readwrite ?? [])];
  return { read: [...new Set([...(access.read ?? []), ...write])], write };
}

const under = (prefixes: string[], key: string) => prefixes.some((p) => key.startsWith(p));

/** s3:GetObject (and HeadObject) on the key; s3:ListBucket with this s3:prefix (absent: ''). */
export function mayRead(access: BucketAccess | undefined, key: string): boolean {
  return access !== undefined && under(bucketPrefixes(access).read, key);
}

/** s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload on the key. */
export function mayWrite(access: BucketAccess | undefined, key: string): boolean {
  return access !== undefined && under(bucketPrefixes(access).write, key);
}

/** The catalog spelling of an access, for messages that name the fix. */
export function formatBucketAccess(access: BucketAccess): string {
  if (typeof access === 'string') return `'${access}'`;
  const list = (ps: string[]) => `[${ps.map((p) => `'${p}'`).join(', ')}]`;
  const parts = [
    ...(access.read?.length ? [`read: ${list(access.read)}`] : []),
    ...(access.readwrite?.length ? [`readwrite: ${list(access.readwrite)}`] : []),
  ];
  return `{ ${parts.join(', ')} }`;
}

/** Why a declared access is unusable (empty when it is fine). */
export function bucketAccessProblems(access: BucketAccess): string[] {
  if (typeof access === 'string')
    return access === 'read' || access === 'readwrite' ? [] : [`unknown access ${access}`];
  const all = [...(access.read ?? []), ...(access.readwrite ?? [])];
  const problems: string[] = [];
  if (!all.length) problems.push('names no prefix (use read or readwrite, or list prefixes)');
  for (const p of all) {
    if (!p) problems.push("has an empty prefix (use 'read' or 'readwrite' for the whole bucket)");
    else if (/[*?]/.test(p)) problems.push(`prefix ${p} has a wildcard (prefixes are literal)`);
    else if (p.startsWith('/')) problems.push(`prefix ${p} starts with / (keys do not)`);
  }
  return problems;
}

/** How to declare the access a denied call needed (the local runtime's AccessDenied messages). */
export function bucketGrantFix(name: string, access: BucketAccess | undefined, key: string, write: boolean): string {
  if (access === undefined || typeof access === 'string')
    return `set buckets: { '${name}': '${write ? 'readwrite' : 'read'}' }`;
  const folder = /^[^/]*\//.exec(key)?.[0] ?? (key || '<prefix>');
  return `add '${folder}' to ${write ? 'readwrite' : 'read'} of buckets: { '${name}': ${formatBucketAccess(access)} }`;
}
