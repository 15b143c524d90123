// The catalog's buckets and keys as deployed. A bucket: S3-managed encryption (its objects are
// envelope-encrypted by the code with a catalog key as well), SSL only, public access blocked, ACLs
// off, server access logs into one log bucket shared by the catalog's buckets, expiry from the
// catalog. A key: a customer-managed KMS key with yearly rotation. Grants are explicit statements
// (no CDK grant* wildcards such as s3:GetObject*): exactly what BucketAccess / KeyAccess mean,
// down to the key prefixes a BucketAccess may name (infra/catalog/bucket-access.ts).
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bucketAccessProblems, bucketPrefixes } from '../catalog/bucket-access';
import type { BucketAccess, BucketDefinition, KeyAccess, KeyDefinition } from '../catalog';
import { pascalCase } from './catalog-function';
import { templateAttribute } from './cross-stack';

/** Server access logs of the catalog's buckets are kept this long. */
export const BUCKET_ACCESS_LOG_RETENTION = Duration.days(400);

export const BUCKET_READ_ACTIONS = { bucket: ['s3:ListBucket'], objects: ['s3:GetObject'] };
export const BUCKET_WRITE_ACTIONS = { objects: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] };
export const KEY_ACTIONS: Record<KeyAccess, string[]> = {
  encrypt: ['kms:GenerateDataKey'],
  decrypt: ['kms:Decrypt'],
  both: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

export class CatalogStorage extends Construct {
  readonly buckets = new Map<string, s3.Bucket>();
  readonly keys = new Map<string, kms.Key>();
  readonly accessLogBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: { buckets: BucketDefinition[]; keys: KeyDefinition[] }) {
    super(scope, id);
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    if (props.buckets.length) {
      // The log delivery service writes through a bucket policy; ACLs stay disabled.
      this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
      this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
        ...common,
        lifecycleRules: [{ expiration: BUCKET_ACCESS_LOG_RETENTION }],
      });
      Validations.of(this.accessLogBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'This bucket holds the server access logs of the catalog buckets; logging it into itself adds nothing.',
      });
    }
    for (const def of props.buckets)
      this.buckets.set(
        def.name,
        new s3.Bucket(this, `Bucket${pascalCase(def.name)}`, {
          ...common,
          serverAccessLogsBucket: this.accessLogBucket,
          serverAccessLogsPrefix: `${def.name}/`,
          lifecycleRules: [
            {
              abortIncompleteMultipartUploadAfter: Duration.days(1),
              ...(def.expireDays ? { expiration: Duration.days(def.expireDays) } : {}),
            },
          ],
        }),
      );
    for (const def of props.keys)
      this.keys.set(
        def.name,
        new kms.Key(this, `Key${pascalCase(def.name)}`, {
          description: `Nocturne: ${def.description}`,
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      );
  }

  bucket(name: string, who: string): s3.Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new Error(`${who} names bucket ${name}, which the catalog does not declare`);
    return b;
  }

  key(name: string, who: string): kms.Key {
    const k = this.keys.get(name);
    if (!k) throw new Error(`${who} names key ${name}, which the catalog does not declare`);
    return k;
  }

  /**
   * Exactly the bucket access the catalog grants, on the role. Whole bucket: ListBucket, and the
   * object actions on every object. Per prefix: ListBucket only with an s3:prefix under a granted
   * prefix, reads on `<prefix>*` of each readable prefix, writes on `<prefix>*` of each writable one.
   * Acknowledges each per-object wildcard (keys are chosen at run time).
   */
  grantBucket(role: iam.Role, name: string, access: BucketAccess, who: string): s3.Bucket {
    const bucket = this.bucket(name, who);
    const problems = bucketAccessProblems(access);
    if (problems.length) throw new Error(`${who}: bucket ${name} access ${problems.join('; ')}`);
    const { read, write } = bucketPrefixes(access);
    const whole = read.includes('');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: BUCKET_READ_ACTIONS.bucket,
        resources: [bucket.bucketArn],
        ...(whole ? {} : { conditions: { StringLike: { 's3:prefix': read.map((p) => `${p}*`) } } }),
      }),
    );
    const objects = (prefixes: string[]) => prefixes.map((p) => bucket.arnForObjects(`${p}*`));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: BUCKET_READ_ACTIONS.objects, resources: objects(read) }),
    );
    if (write.length)
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: BUCKET_WRITE_ACTIONS.objects, resources: objects(write) }),
      );
    for (const p of read)
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${templateAttribute(role, bucket)}/${p}*]`,
        reason: p
          ? `Object actions under prefix ${p} of catalog bucket ${name} only (keys below it are chosen at run time: periods, runs, files).`
          : `Object actions on the objects of catalog bucket ${name} (keys are chosen at run time: periods, partitions, files); no other bucket.`,
      });
    return bucket;
  }

  grantKey(role: iam.Role, name: string, access: KeyAccess, who: string): kms.Key {
    const key = this.key(name, who);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: KEY_ACTIONS[access], resources: [key.keyArn] }));
    return key;
  }
}
