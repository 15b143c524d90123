// Inbound email in AWS, for the catalog's `inboundEmail` triggers: one bucket for the raw messages
// (its server access logs in a second bucket), one SES receipt rule set, and per function one
// receipt rule for the deployment's inbound domain that stores the message under the trigger's
// prefix (S3 action) and then invokes the function with the SES event (Lambda action, Event).
// The function may read only its prefix. SES activates one rule set per account and region, and
// CloudFormation cannot do that: `aws ses set-active-receipt-rule-set` after the first deploy
// (README, "Deploy to AWS").
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import { Construct } from 'constructs';
import type { InboundEmailTrigger } from '../catalog';
import { pascalCase, type CatalogFunction } from './catalog-function';

/** Raw messages are kept this long: enough to redrive a dead-lettered SES event, no longer. */
export const INBOUND_EMAIL_RETENTION = Duration.days(30);
/** Server access logs of the inbound bucket. */
export const INBOUND_EMAIL_ACCESS_LOG_RETENTION = Duration.days(90);

export interface InboundEmailProps {
  /** Recipient domain of every receipt rule (all its addresses). */
  domain: string;
}

export class InboundEmail extends Construct {
  readonly domain: string;
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly ruleSet: ses.ReceiptRuleSet;
  /** One receipt rule per function with an inboundEmail trigger, in catalog order. */
  readonly rules = new Map<string, ses.ReceiptRule>();
  private lastRule?: ses.ReceiptRule;

  constructor(scope: Construct, id: string, props: InboundEmailProps) {
    super(scope, id);
    this.domain = props.domain;
    // Grant the log delivery service with a bucket policy, not the legacy LogDeliveryWrite ACL
    // (ACLs stay disabled on both buckets). Scoped to this construct, so no other bucket changes.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    };
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      ...common,
      lifecycleRules: [{ expiration: INBOUND_EMAIL_ACCESS_LOG_RETENTION }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket holds the server access logs of the inbound email bucket; logging it into itself (or a third bucket) adds nothing.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'inbound-email-bucket/',
      lifecycleRules: [{ expiration: INBOUND_EMAIL_RETENTION, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });

    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet');
  }

  /** Mail to the domain is stored under the trigger's prefix, then the function is invoked (Event). */
  addFunction(fn: CatalogFunction, trigger: InboundEmailTrigger): ses.ReceiptRule {
    const rule = this.ruleSet.addRule(`Rule${pascalCase(fn.definition.name)}`, {
      after: this.lastRule,
      recipients: [this.domain],
      enabled: true,
      // Spam and virus verdicts: the function rejects a message that fails either.
      scanEnabled: true,
      actions: [
        new sesActions.S3({ bucket: this.bucket, objectKeyPrefix: trigger.prefix }),
        new sesActions.Lambda({ function: fn.function, invocationType: sesActions.LambdaInvocationType.EVENT }),
      ],
    });
    this.lastRule = rule;
    this.rules.set(fn.definition.name, rule);

    // The SES event carries the message id only; the function reads <prefix><messageId>
    // (HeadObject for the size, then GetObject), nothing else in the bucket.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${trigger.prefix}*`)],
      }),
    );
    fn.function.addEnvironment('INBOUND_EMAIL_BUCKET', this.bucket.bucketName);
    fn.function.addEnvironment('INBOUND_EMAIL_PREFIX', trigger.prefix);
    return rule;
  }
}
