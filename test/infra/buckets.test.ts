// The catalog's buckets and keys in AWS (infra/aws/buckets.ts): each bucket private, encrypted,
// TLS-only, access-logged, expiring as declared; each key a rotated customer-managed KMS key; the
// functions that list a bucket or key get its name or ARN (their exact grants: functions.test.ts);
// a grant by key prefix is objects under each prefix and ListBucket only with an s3:prefix under them.
import { bucketEnvName, keyEnvName, type Catalog } from '../../infra/catalog';
import { catalogsUnderTest } from './support/exercise-catalog';
import { arnOf, grantsOf, lambdaOf, logicalId, ref, resourcesOfType, synth, type Json } from './support/synth';

describe.each(catalogsUnderTest)('buckets and keys of %s', (_title, catalog: Catalog) => {
  const s = synth(catalog);
  const storage = s.stack.storage;

  it('declares the revenue assurance bucket and key', () => {
    expect(catalog.buckets.map((b) => b.name)).toContain('ra-files');
    expect(catalog.keys.map((k) => k.name)).toContain('ra');
  });

  it('deploys one bucket per catalog bucket: encrypted, private, TLS only, access-logged, expiring as declared', () => {
    expect([...storage.buckets.keys()]).toEqual(catalog.buckets.map((b) => b.name));
    const logBucketId = logicalId(storage.accessLogBucket!);
    for (const def of catalog.buckets) {
      const id = logicalId(storage.buckets.get(def.name)!);
      const props = s.resources[id]!.Properties!;
      expect(props.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      expect(props.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(props.LoggingConfiguration).toEqual({
        DestinationBucketName: ref(logBucketId),
        LogFilePrefix: `${def.name}/`,
      });
      const rules = props.LifecycleConfiguration.Rules as Json[];
      if (def.expireDays) expect(rules).toContainEqual(expect.objectContaining({ ExpirationInDays: def.expireDays }));
      else expect(rules.every((r) => r.ExpirationInDays === undefined)).toBe(true);
      expect(s.resources[id]!.DeletionPolicy).toBe('Retain');
      const policy = resourcesOfType(s, 'AWS::S3::BucketPolicy').find(
        ([, p]) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify(ref(id)),
      );
      expect(policy![1].Properties!.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('grants the RA functions only the key prefixes they declare (objects and listings)', () => {
    const ra = (fn: string) => grantsOf(s, fn).filter((g) => g.includes(' on bucket:ra-files'));
    const objects = (actions: string[], prefixes: string[]) =>
      actions.flatMap((a) => prefixes.map((p) => `${a} on bucket:ra-files/${p}*`));
    const writes = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
    const load = ['inbox/', 'batches/', 'loads/', 'errors/', 'processed/', 'rejected/'];
    expect(ra('ra-load')).toEqual(
      [
        `s3:ListBucket on bucket:ra-files when s3:prefix like config/mappings/*|${load.map((p) => `${p}*`).join('|')}`,
        ...objects(['s3:GetObject'], ['config/mappings/', ...load]),
        ...objects(writes, load),
      ].sort(),
    );
    expect(ra('ra-partition')).toEqual(
      ['s3:ListBucket on bucket:ra-files when s3:prefix like runs/*', 's3:GetObject on bucket:ra-files/runs/*'].sort(),
    );
    expect(ra('ra-split')).toEqual(
      [
        's3:ListBucket on bucket:ra-files when s3:prefix like loads/*|batches/*|runs/*',
        ...objects(['s3:GetObject'], ['loads/', 'batches/', 'runs/']),
        ...objects(writes, ['runs/']),
      ].sort(),
    );
    // No RA function holds a grant on the whole bucket any more.
    for (const fn of ['ra-load', 'ra-extract', 'ra-balance', 'ra-split', 'ra-partition', 'ra-summarize'])
      expect(ra(fn).filter((g) => g.endsWith('bucket:ra-files/*') || g.endsWith('bucket:ra-files'))).toEqual([]);
  });

  it('deploys one rotated KMS key per catalog key', () => {
    expect([...storage.keys.keys()]).toEqual(catalog.keys.map((k) => k.name));
    for (const def of catalog.keys) {
      const props = s.resources[logicalId(storage.keys.get(def.name)!)]!.Properties!;
      expect(props.EnableKeyRotation).toBe(true);
      expect(props.Description).toBe(`Nocturne: ${def.description}`);
    }
  });

  it('gives each function the names of the buckets and the ARNs of the keys it lists, and no others', () => {
    for (const def of catalog.functions) {
      const env = lambdaOf(s, def.name).props.Environment.Variables as Record<string, Json>;
      for (const b of catalog.buckets)
        expect(env[bucketEnvName(b.name)]).toEqual(
          def.buckets?.[b.name] ? ref(logicalId(storage.buckets.get(b.name)!)) : undefined,
        );
      for (const k of catalog.keys)
        expect(env[keyEnvName(k.name)]).toEqual(
          def.keys?.[k.name] ? arnOf(logicalId(storage.keys.get(k.name)!)) : undefined,
        );
    }
  });
});
