// Inbound email in AWS, from the catalog's `inboundEmail` triggers: the raw-mail bucket (encrypted,
// TLS only, private, expiring, access-logged), SES allowed to write under each prefix and to invoke
// each function, the receipt rule set and the recipient domain from the stack prop or context.
// functions.test.ts checks each function's rule, environment and exact grants.
import { Template } from 'aws-cdk-lib/assertions';
import type { Catalog } from '../../infra/catalog';
import { buildApp } from '../../infra/aws/build-app';
import { DEFAULT_INBOUND_EMAIL_DOMAIN } from '../../infra/aws/nocturne-stack';
import { catalogsUnderTest } from './support/exercise-catalog';
import { arnOf, lambdaOf, logicalId, ref, resourcesOfType, synth, type Json, type Synthesized } from './support/synth';

const inboundOf = (catalog: Catalog) =>
  catalog.functions.flatMap((fn) =>
    fn.triggers.flatMap((t) => (t.kind === 'inboundEmail' ? [{ fn: fn.name, prefix: t.prefix }] : [])),
  );

const objectsUnder = (bucketId: string, suffix: string) => ({ 'Fn::Join': ['', [arnOf(bucketId), suffix]] });

function bucketPolicy(s: Synthesized, bucketId: string): Json[] {
  const policies = resourcesOfType(s, 'AWS::S3::BucketPolicy').filter(
    ([, p]) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify(ref(bucketId)),
  );
  expect(policies).toHaveLength(1);
  return policies[0]![1].Properties!.PolicyDocument.Statement as Json[];
}

describe.each(catalogsUnderTest)('inbound email of %s', (_title, catalog) => {
  const s = synth(catalog);
  const inbound = inboundOf(catalog);
  const bucketId = () => logicalId(s.stack.inboundEmail!.bucket);
  const logBucketId = () => logicalId(s.stack.inboundEmail!.accessLogBucket);

  it('has inbound email triggers to deploy', () => {
    expect(inbound.length).toBeGreaterThan(0);
    expect(s.stack.inboundEmail).toBeDefined();
  });

  it('keeps raw mail in a private, encrypted, TLS-only bucket that expires it and logs access', () => {
    // The catalog's own buckets (test/infra/buckets.test.ts) and the board's (board-site.test.ts) are not the inbound email's.
    const storage = new Set(
      [
        ...s.stack.storage.buckets.values(),
        s.stack.storage.accessLogBucket,
        s.stack.board.bucket,
        s.stack.board.logBucket,
      ].flatMap((b) => (b ? [logicalId(b)] : [])),
    );
    expect(
      resourcesOfType(s, 'AWS::S3::Bucket')
        .map(([id]) => id)
        .filter((id) => !storage.has(id))
        .sort(),
    ).toEqual([bucketId(), logBucketId()].sort());
    for (const id of [bucketId(), logBucketId()]) {
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
      expect(props.AccessControl).toBeUndefined();
      expect(props.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ Status: 'Enabled', ExpirationInDays: expect.any(Number) }),
      );
      expect(bucketPolicy(s, id)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    const mail = s.resources[bucketId()]!.Properties!;
    expect(mail.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(30);
    expect(mail.LoggingConfiguration).toEqual({
      DestinationBucketName: ref(logBucketId()),
      LogFilePrefix: expect.stringMatching(/\/$/),
    });
    // Log delivery by bucket policy (no ACLs), from this bucket only.
    expect(bucketPolicy(s, logBucketId())).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': arnOf(bucketId()) } }),
      }),
    );
  });

  it('lets SES write each function’s prefix of this account’s bucket, and nothing else', () => {
    const sesStatements = bucketPolicy(s, bucketId()).filter((st) =>
      JSON.stringify(st.Principal).includes('ses.amazonaws.com'),
    );
    expect(sesStatements).toEqual(
      inbound.map(({ prefix }) => ({
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: objectsUnder(bucketId(), `/${prefix}*`),
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      })),
    );
  });

  it('lets SES (this account) invoke each inbound email function, and no other', () => {
    const sesPermissions = resourcesOfType(s, 'AWS::Lambda::Permission')
      .map(([, p]) => p.Properties!)
      .filter((p) => p.Principal === 'ses.amazonaws.com');
    expect(sesPermissions).toHaveLength(inbound.length);
    for (const { fn } of inbound)
      expect(sesPermissions).toContainEqual({
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(lambdaOf(s, fn).id),
        Principal: 'ses.amazonaws.com',
        SourceAccount: ref('AWS::AccountId'),
      });
  });

  it('puts one receipt rule per function, in catalog order, into one rule set that waits for its permissions', () => {
    expect(resourcesOfType(s, 'AWS::SES::ReceiptRuleSet')).toHaveLength(1);
    const rules = resourcesOfType(s, 'AWS::SES::ReceiptRule');
    expect(rules).toHaveLength(inbound.length);
    for (const [, rule] of rules) {
      expect(rule.Properties!.Rule.Recipients).toEqual([DEFAULT_INBOUND_EMAIL_DOMAIN]);
      expect(rule.DependsOn).toEqual(expect.arrayContaining([logicalId(s.stack.inboundEmail!.bucket.policy!)]));
    }
    // Each rule after the previous one: SES runs them in order.
    const after = rules.map(([, r]) => r.Properties!.After ?? null);
    expect(after[0]).toBeNull();
    for (let i = 1; i < rules.length; i++) expect(after[i]).toEqual(ref(rules[i - 1]![0]));
  });

  it('outputs the rule set to activate and the bucket', () => {
    expect(s.outputs.InboundEmailRuleSetName!.Value).toEqual(ref(logicalId(s.stack.inboundEmail!.ruleSet)));
    expect(s.outputs.InboundEmailBucketName!.Value).toEqual(ref(bucketId()));
  });
});

describe('inbound email settings', () => {
  const noInbound = (catalog: Catalog): Catalog => ({
    ...catalog,
    functions: catalog.functions.map((f) => ({ ...f, triggers: f.triggers.filter((t) => t.kind !== 'inboundEmail') })),
  });
  const withPrefixes = (catalog: Catalog, prefixes: string[]): Catalog => {
    let i = 0;
    return {
      ...catalog,
      functions: catalog.functions.map((f) => ({
        ...f,
        triggers: f.triggers.map((t) =>
          t.kind === 'inboundEmail' ? { ...t, prefix: prefixes[i++ % prefixes.length]! } : t,
        ),
      })),
    };
  };
  const recipientsOf = (opts: Parameters<typeof buildApp>[0]) => {
    const { stack } = buildApp({ bundle: false, nag: false, ...opts });
    const rules = Template.fromStack(stack).findResources('AWS::SES::ReceiptRule');
    return Object.values(rules).map((r) => (r as Json).Properties.Rule.Recipients);
  };

  it('takes the recipient domain from the inboundEmailDomain context value', () => {
    expect(recipientsOf({ context: { inboundEmailDomain: 'help.operator.example' } })).toEqual([
      ['help.operator.example'],
    ]);
  });

  it('refuses a recipient domain that is not a domain name', () => {
    expect(() => buildApp({ bundle: false, nag: false, context: { inboundEmailDomain: 'not a domain' } })).toThrow(
      /inboundEmailDomain "not a domain"/,
    );
  });

  it('refuses prefixes that overlap or do not end in "/"', () => {
    const [, exercise] = catalogsUnderTest[1]!;
    expect(() =>
      buildApp({ catalog: withPrefixes(exercise, ['mail/', 'mail/more/']), bundle: false, nag: false }),
    ).toThrow(/overlaps "mail\/"/);
    expect(() => buildApp({ catalog: withPrefixes(exercise, ['mail']), bundle: false, nag: false })).toThrow(
      /prefix "mail" must be/,
    );
  });

  it('creates no bucket, rule set or SES permission when no function receives email', () => {
    const s = synth(noInbound(catalogsUnderTest[0]![1]));
    expect(s.stack.inboundEmail).toBeUndefined();
    // The catalog's own buckets (functions are granted them) and the board's are not about inbound email.
    const others = [
      ...s.stack.storage.buckets.values(),
      s.stack.storage.accessLogBucket,
      s.stack.board.bucket,
      s.stack.board.logBucket,
    ].flatMap((b) => (b ? [logicalId(b)] : []));
    for (const type of ['AWS::S3::Bucket', 'AWS::SES::ReceiptRuleSet', 'AWS::SES::ReceiptRule'])
      expect(resourcesOfType(s, type).filter(([id]) => !others.includes(id))).toEqual([]);
    expect(Object.keys(s.outputs).filter((k) => k.startsWith('InboundEmail'))).toEqual([]);
  });

  it('stays well under CloudFormation’s 500 resources per stack (the main stack and the API routes stack)', () => {
    const { stack } = synth(catalogsUnderTest[0]![1]);
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources).length).toBeLessThan(450);
    expect(Object.keys(Template.fromStack(stack.api.routesStack).toJSON().Resources).length).toBeLessThan(450);
  });
});
