// The whole of Nocturne on AWS, built by reading infra/catalog.ts. Nothing in this file names a
// function: tables, bus, topics and API come from the catalog's declarations, and each catalog
// function gets its triggers and exactly the grants its entry lists. The shared things (tables, bus,
// topics, secrets, buckets, keys, API) are in this stack; each catalog feature's functions and state
// machines are in a nested stack of that feature's (docs/decisions/0021-per-feature-nested-stacks.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, NestedStack, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as triggers from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import {
  bucketEnvName,
  catalog as defaultCatalog,
  FUNCTION_NEEDS,
  keyEnvName,
  stateMachineEnvName,
  topicEnvName,
  type Catalog,
  type EventTrigger,
  type FunctionNeed,
  type TopicName,
} from '../catalog';
import type { TableDefinition } from '../../shared/store/table-definition';
import { CatalogStorage } from './buckets';
import { CatalogFunction, PROJECT_ROOT, pascalCase } from './catalog-function';
import { BoardSite } from './board-site';
import { CatalogStateMachine, stateMachineArn, stateMachineStatements } from './catalog-state-machine';
import { templateAttribute, templateString } from './cross-stack';
import { InboundEmail } from './inbound-email';
import { OpsApi, routeKey } from './ops-api';

export interface NocturneStackProps extends StackProps {
  /** The wiring to deploy; tests pass extended catalogs. @default infra/catalog.ts */
  catalog?: Catalog;
  /** Bundle every handler with esbuild. false synthesizes fast with stand-in code (tests only). @default true */
  bundle?: boolean;
  /** Recipient domain of the SES receipt rules of `inboundEmail` triggers.
   * @default the `inboundEmailDomain` context value, else DEFAULT_INBOUND_EMAIL_DOMAIN */
  inboundEmailDomain?: string;
}

/** Inbound email domain when neither the stack prop nor the context value names one. */
export const DEFAULT_INBOUND_EMAIL_DOMAIN = 'support.example.com';

/** Step Functions task-token answers (`stepFunctionsCallbacks` in the catalog). */
export const STEP_FUNCTIONS_CALLBACK_ACTIONS = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
];

/** EventBridge retries and event age for rule targets (schedules and bus events). */
const RULE_TARGET_RETRIES = 4;
const RULE_TARGET_MAX_EVENT_AGE = Duration.hours(1);
/** Stream batches: retries before the batch description goes to the stream DLQ. */
const STREAM_RETRIES = 10;
/** Receives of a dead letter by the redrive function before it is parked for a person (docs/decisions/0009). */
export const DEAD_LETTER_MAX_RECEIVES = 5;
/** Time between two redrives of one dead letter (the DLQ's visibility timeout). */
export const DEAD_LETTER_REDRIVE_INTERVAL = Duration.minutes(15);
/** Environment of a `deadLetters` function: `<queue name>=<function name>` pairs, comma-separated. */
export const DEAD_LETTER_TARGETS_ENV = 'DEAD_LETTER_TARGETS';

export class NocturneStack extends Stack {
  readonly catalog: Catalog;
  readonly mainTable: dynamodb.Table;
  readonly idempotencyTable: dynamodb.Table;
  readonly bus: events.EventBus;
  readonly topics: ReadonlyMap<TopicName, sns.Topic>;
  /** Platform alarms (DLQs, function errors); see docs/decisions/0002. */
  readonly alarmTopic: sns.Topic;
  readonly api: OpsApi;
  /** The board's static site and the CloudFront distribution in front of it and the API (decision 0050). */
  readonly board: BoardSite;
  readonly functions: ReadonlyMap<string, CatalogFunction>;
  /** The catalog's state machines by name (infra/aws/catalog-state-machine.ts). */
  readonly stateMachines: ReadonlyMap<string, CatalogStateMachine>;
  /** One nested stack per catalog feature, holding its functions and state machines. */
  readonly featureStacks: ReadonlyMap<string, NestedStack>;
  /** Dead letters redriven DEAD_LETTER_MAX_RECEIVES times end here, alarmed; only with a `deadLetters` function. */
  readonly parkedDeadLetters?: sqs.Queue;
  /** Bucket and SES receipt rules; only when a catalog function has an inboundEmail trigger. */
  readonly inboundEmail?: InboundEmail;
  /** The catalog's buckets and KMS keys (infra/aws/buckets.ts). */
  readonly storage: CatalogStorage;
  /** HMAC secret(s) of signed page links; only when a catalog function needs `actLinkSecret`. */
  readonly actLinkSecret?: secretsmanager.Secret;
  /** The charging system's {"baseUrl","apiKey"}; only when a catalog function needs `ocsConfig`. */
  readonly ocsConfigSecret?: secretsmanager.Secret;
  /** HMAC key(s) of the webhook provisioning driver; only when a function needs `webhookSigningSecret`. */
  readonly webhookSigningSecret?: secretsmanager.Secret;
  /** The SES sender of catalog functions that send e-mail (context `reportsEmailFrom`); none: they send none. */
  readonly emailFrom?: string;

  constructor(scope: Construct, id: string, props: NocturneStackProps = {}) {
    super(scope, id, props);
    const catalog = (this.catalog = props.catalog ?? defaultCatalog);
    const bundle = props.bundle ?? true;
    const inboundEmailDomain = String(
      props.inboundEmailDomain ?? this.node.tryGetContext('inboundEmailDomain') ?? DEFAULT_INBOUND_EMAIL_DOMAIN,
    );
    checkCatalog(catalog, bundle, inboundEmailDomain);
    const emailFrom = this.node.tryGetContext('reportsEmailFrom') as string | undefined;
    if (emailFrom !== undefined && !/^[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(String(emailFrom)))
      throw new Error(
        `The reportsEmailFrom context value must be an e-mail address (a verified SES identity), not "${emailFrom}"`,
      );
    this.emailFrom = emailFrom;

    this.mainTable = tableFrom(this, catalog.tables.main);
    this.idempotencyTable = tableFrom(this, catalog.tables.idempotency);

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: catalog.busName });
    this.bus.archive('Archive', {
      description: 'Every Nocturne event, for replay after an outage or a consumer bug.',
      eventPattern: { account: [this.account] },
      retention: Duration.days(30),
    });

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Nocturne platform alarms', enforceSSL: true });
    this.topics = new Map(
      catalog.topics.map((t) => [
        t.name,
        new sns.Topic(this, `Topic${pascalCase(t.name)}`, { displayName: t.displayName, enforceSSL: true }),
      ]),
    );

    this.api = new OpsApi(this, 'Api', { throttle: catalog.throttle });
    this.board = new BoardSite(this, 'Board', {
      api: this.api,
      bundle,
      authDomainPrefix: this.node.tryGetContext('boardAuthDomainPrefix') as string | undefined,
    });

    if (catalog.functions.some((f) => f.triggers.some((t) => t.kind === 'inboundEmail')))
      this.inboundEmail = new InboundEmail(this, 'InboundEmail', { domain: inboundEmailDomain });
    this.storage = new CatalogStorage(this, 'Storage', { buckets: catalog.buckets ?? [], keys: catalog.keys ?? [] });

    const sharedEnvironment: Record<string, string> = {
      TABLE_NAME: this.mainTable.tableName,
      IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName,
      EVENT_BUS_NAME: this.bus.eventBusName,
      POWERTOOLS_SERVICE_NAME: 'nocturne',
      ...Object.fromEntries([...this.topics].map(([name, topic]) => [topicEnvName(name), topic.topicArn])),
    };

    if (catalog.functions.some((f) => f.needs?.includes('actLinkSecret'))) {
      // No punctuation: the value is one secret of a comma-separated list (shared/app/oncall/page-links.ts).
      this.actLinkSecret = new secretsmanager.Secret(this, 'ActLinkSecret', {
        description:
          'Nocturne: HMAC key(s) of signed page links (/act/{token}), comma-separated; the first signs, all verify.',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
      Validations.of(this.actLinkSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotated by hand (docs/decisions/0002): put a new value first, comma-separated, and redeploy so links in flight still verify; the functions get the value by a CloudFormation dynamic reference, resolved at deploy.',
      });
    }
    const handRotated = (secret: secretsmanager.Secret, how: string) =>
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `${how}; the functions get the value by a CloudFormation dynamic reference, resolved at deploy (docs/decisions/0014).`,
      });
    if (catalog.functions.some((f) => f.needs?.includes('ocsConfig'))) {
      // The operator puts the real base URL and key after the first deploy (docs/provisioning.md).
      this.ocsConfigSecret = new secretsmanager.Secret(this, 'OcsConfigSecret', {
        description:
          'Nocturne: the OCS (charging system) API for the ocs provisioning driver, as {"baseUrl","apiKey"}.',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ baseUrl: 'https://ocs.invalid' }),
          generateStringKey: 'apiKey',
          excludePunctuation: true,
        },
      });
      handRotated(
        this.ocsConfigSecret,
        'The key is issued by the charging system and rotated there; put the new value and redeploy',
      );
    }
    if (catalog.functions.some((f) => f.needs?.includes('webhookSigningSecret'))) {
      this.webhookSigningSecret = new secretsmanager.Secret(this, 'WebhookSigningSecret', {
        description:
          'Nocturne: HMAC key(s) of webhook provisioning calls, comma-separated; the first signs, receivers accept any.',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
      handRotated(
        this.webhookSigningSecret,
        'Rotated by hand: put "<new>,<old>", redeploy, tell the receivers, later put "<new>"',
      );
    }
    // Values that exist only once deployed, for the functions that declare them (catalog `needs`).
    const needed: Record<FunctionNeed, () => string> = {
      // The endpoint attribute, not the stage URL: the stage depends on nothing, the functions on the API alone.
      publicBaseUrl: () => this.api.httpApi.apiEndpoint,
      // A dynamic reference ({{resolve:secretsmanager:…}}), not the value: CloudFormation resolves it
      // at deploy, so the template holds no secret (the Lambda configuration does; see 0002).
      actLinkSecret: () => this.actLinkSecret!.secretValue.unsafeUnwrap(),
      ocsConfig: () => this.ocsConfigSecret!.secretValue.unsafeUnwrap(),
      webhookSigningSecret: () => this.webhookSigningSecret!.secretValue.unsafeUnwrap(),
    };

    if (catalog.functions.some((f) => f.triggers.some((t) => t.kind === 'deadLetters')))
      this.parkedDeadLetters = this.parkedQueue();

    const featureStacks = new Map<string, NestedStack>();
    const featureStack = (feature: string): NestedStack => {
      let nested = featureStacks.get(feature);
      if (!nested) {
        nested = new NestedStack(this, featureStackId(feature), {
          description: `Nocturne: the ${feature} feature's functions and state machines (infra/catalog/${feature}.ts)`,
        });
        featureStacks.set(feature, nested);
      }
      return nested;
    };
    this.featureStacks = featureStacks;

    const functions = new Map<string, CatalogFunction>();
    for (const definition of catalog.functions) {
      const environment = {
        ...sharedEnvironment,
        ...Object.fromEntries((definition.needs ?? []).map((need) => [FUNCTION_NEEDS[need], needed[need]()])),
        ...(definition.sendsEmail && this.emailFrom ? { REPORTS_EMAIL_FROM: this.emailFrom } : {}),
      };
      const fn = new CatalogFunction(featureStack(definition.feature!), {
        definition,
        sharedEnvironment: environment,
        alarmTopic: this.alarmTopic,
        bundle,
        ...(this.parkedDeadLetters
          ? {
              redrive: {
                parkedQueue: this.parkedDeadLetters,
                maxReceives: DEAD_LETTER_MAX_RECEIVES,
                interval: DEAD_LETTER_REDRIVE_INTERVAL,
              },
            }
          : {}),
      });
      this.grantFromCatalog(fn);
      this.wireTriggers(fn);
      functions.set(definition.name, fn);
    }
    this.functions = functions;
    this.stateMachines = new Map(
      (catalog.stateMachines ?? []).map((definition) => [
        definition.name,
        new CatalogStateMachine(featureStack(definition.feature!), {
          definition,
          functions,
          alarmTopic: this.alarmTopic,
          storage: this.storage,
        }),
      ]),
    );
    for (const m of this.stateMachines.values())
      new CfnOutput(this, `StateMachineArn${pascalCase(m.definition.name)}`, { value: m.stateMachine.stateMachineArn });
    for (const fn of functions.values())
      if (fn.definition.triggers.some((t) => t.kind === 'deadLetters')) this.wireRedrive(fn);
    for (const fn of functions.values())
      if (fn.definition.triggers.some((t) => t.kind === 'deploy'))
        this.wireDeployTrigger(
          fn,
          [...functions.values()].filter((other) => other !== fn),
        );

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the webhooks and the ops API' });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'BoardUrl', { value: this.board.boardUrl, description: 'The command board (CloudFront)' });
    new CfnOutput(this, 'StatusPageUrl', {
      value: `https://${this.board.distribution.distributionDomainName}/status`,
      description: 'The public status page (no sign-in)',
    });
    new CfnOutput(this, 'BoardClientId', { value: this.api.boardClient.userPoolClientId });
    new CfnOutput(this, 'BoardSignInDomain', { value: this.board.authDomain });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    for (const [name, topic] of this.topics)
      new CfnOutput(this, `TopicArn${pascalCase(name)}`, { value: topic.topicArn });
    if (this.actLinkSecret)
      new CfnOutput(this, 'ActLinkSecretArn', {
        value: this.actLinkSecret.secretArn,
        description:
          'Page-link HMAC secret(s); to rotate: put "<new>,<old>" as its value, redeploy, later put "<new>" and redeploy',
      });
    for (const [name, bucket] of this.storage.buckets)
      new CfnOutput(this, `BucketName${pascalCase(name)}`, { value: bucket.bucketName });
    if (this.inboundEmail) {
      new CfnOutput(this, 'InboundEmailRuleSetName', {
        value: this.inboundEmail.ruleSet.receiptRuleSetName,
        description: `Activate once: aws ses set-active-receipt-rule-set --rule-set-name <this> (receives mail for ${inboundEmailDomain})`,
      });
      new CfnOutput(this, 'InboundEmailBucketName', { value: this.inboundEmail.bucket.bucketName });
    }
  }

  /** Exactly the access the catalog entry declares, nothing else. */
  private grantFromCatalog(fn: CatalogFunction): void {
    const def = fn.definition;
    const wildcardReasons = [
      'X-Ray (tracing active) has no resource-level permissions: xray:PutTraceSegments/PutTelemetryRecords need "*".',
    ];

    if (def.table === 'read') this.mainTable.grantReadData(fn.function);
    if (def.table === 'readwrite') this.mainTable.grantReadWriteData(fn.function);
    if (def.table && this.catalog.tables.main.indexes.length > 0)
      acknowledgeIndexWildcard(fn, this.mainTable, def.table);
    if (def.idempotencyTable === 'readwrite') {
      this.idempotencyTable.grantReadWriteData(fn.function);
      if (this.catalog.tables.idempotency.indexes.length > 0)
        acknowledgeIndexWildcard(fn, this.idempotencyTable, 'readwrite');
    }
    if (def.publishEvents) this.bus.grantPutEventsTo(fn.function);
    if (def.sendsEmail && this.emailFrom) {
      // SES checks the identity the sender belongs to: the address itself, or its verified domain.
      const domain = this.emailFrom.split('@')[1]!;
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [this.emailFrom, domain].map((identity) =>
            Stack.of(fn).formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
          ),
        }),
      );
    }
    for (const name of def.topics ?? []) this.topics.get(name)!.grantPublish(fn.function);
    if (def.stepFunctionsCallbacks || def.stateMachines?.callbacks?.length) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: STEP_FUNCTIONS_CALLBACK_ACTIONS, resources: ['*'] }),
      );
      wildcardReasons.push(
        'Step Functions task tokens are not resources: SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat accept only "*".',
      );
    }
    if (def.stateMachines) {
      // Exactly the machines it lists: StartExecution on the machine, execution actions on its executions.
      for (const statement of stateMachineStatements(fn, def.stateMachines)) fn.role.addToPrincipalPolicy(statement);
      const { start = [], read = [], redrive = [], stop = [] } = def.stateMachines;
      for (const name of new Set([...start, ...read, ...redrive, ...stop]))
        fn.function.addEnvironment(stateMachineEnvName(name), stateMachineArn(fn, name));
      for (const name of new Set([...read, ...redrive, ...stop]))
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${templateString(fn, stateMachineArn(fn, name, true))}]`,
          reason: `Execution actions on the executions of state machine ${name} only (execution:<machine>:*): execution names are chosen at run time.`,
        });
    }

    for (const [name, access] of Object.entries(def.buckets ?? {})) {
      const bucket = this.storage.grantBucket(fn.role, name, access, `Function ${def.name}`);
      fn.function.addEnvironment(bucketEnvName(name), bucket.bucketName);
    }
    for (const [name, access] of Object.entries(def.keys ?? {})) {
      const key = this.storage.grantKey(fn.role, name, access, `Function ${def.name}`);
      fn.function.addEnvironment(keyEnvName(name), key.keyArn);
    }

    if (def.triggers.some((t) => t.kind === 'tableStream'))
      wildcardReasons.push('The table stream event source needs dynamodb:ListStreams, which only accepts "*".');
    Validations.of(fn.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: wildcardReasons.join(' ') });
  }

  private wireTriggers(fn: CatalogFunction): void {
    fn.definition.triggers.forEach((trigger, i) => {
      switch (trigger.kind) {
        case 'http':
          this.api.addRoute(trigger, fn.function, `${fn.node.id}Integration`);
          return;
        case 'schedule':
          new events.Rule(fn, `Schedule${i}`, {
            description: `${fn.definition.name}: ${trigger.expression}`,
            schedule: events.Schedule.expression(trigger.expression),
            targets: [this.ruleTarget(fn)],
          });
          return;
        case 'event':
          new events.Rule(fn, `Event${i}`, {
            description: `${fn.definition.name}: events on the ${this.catalog.busName} bus`,
            eventBus: this.bus,
            eventPattern: eventPatternOf(trigger.pattern),
            targets: [this.ruleTarget(fn)],
          });
          return;
        case 'tableStream':
          fn.function.addEventSource(
            new DynamoEventSource(this.mainTable, {
              startingPosition: lambda.StartingPosition.TRIM_HORIZON,
              batchSize: trigger.batchSize,
              bisectBatchOnError: true,
              retryAttempts: STREAM_RETRIES,
              reportBatchItemFailures: true,
              onFailure: new SqsDlq(fn.streamDeadLetterQueue!),
              // Records of other item types are consumed without invoking the function (filtering is free).
              filters: trigger.itemTypes
                ? [
                    lambda.FilterCriteria.filter({
                      dynamodb: { NewImage: { type: { S: lambda.FilterRule.or(...trigger.itemTypes) } } },
                    }),
                  ]
                : undefined,
            }),
          );
          return;
        case 'inboundEmail': {
          const inbound = this.inboundEmail!;
          inbound.addFunction(fn, trigger);
          Validations.of(fn.role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${templateAttribute(fn.role, inbound.bucket)}/${trigger.prefix}*]`,
            reason: `s3:GetObject on the objects the SES receipt rule stores under ${trigger.prefix} (named by SES message id, unknown in advance); nothing else in the bucket.`,
          });
          return;
        }
        case 'deadLetters':
          return; // wired once every function exists (wireRedrive)
        case 'deploy':
          return; // wired once every function exists (wireDeployTrigger)
        default:
          throw new Error(`Unknown trigger ${JSON.stringify(trigger satisfies never)} on ${fn.definition.name}`);
      }
    });
  }

  /**
   * A `deploy` trigger: a CDK Trigger invokes the function (Event) at the end of each deployment that
   * changes it, after the table and every other catalog function are in place, so data moves only
   * once the code that reads it in its new shape is live. Asynchronous on purpose: a failed
   * migration retries, dead-letters and alarms like any async invocation instead of rolling the
   * release back over data it already moved.
   */
  private wireDeployTrigger(fn: CatalogFunction, others: CatalogFunction[]): void {
    const trigger = new triggers.Trigger(fn, 'DeployTrigger', {
      handler: fn.function,
      invocationType: triggers.InvocationType.EVENT,
      executeOnHandlerChange: true,
    });
    trigger.executeAfter(this.mainTable, ...others.map((other) => other.function));
  }

  /** Where dead letters go after DEAD_LETTER_MAX_RECEIVES redrives: a person's queue, alarmed while not empty. */
  private parkedQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, 'ParkedDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the last dead-letter queue: messages redriven too often rest here for a person; it is alarmed.',
    });
    const alarm = new cloudwatch.Alarm(this, 'ParkedDeadLettersAlarm', {
      alarmDescription: `Nocturne: dead letters failed ${DEAD_LETTER_MAX_RECEIVES} redrives and wait for a person (ParkedDeadLetters queue).`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return queue;
  }

  /**
   * A `deadLetters` function reads every other function's async DLQ (batches of 1, partial failures)
   * and may invoke that function; it learns which queue feeds which function from DEAD_LETTER_TARGETS.
   */
  private wireRedrive(redrive: CatalogFunction): void {
    const pairs: string[] = [];
    for (const target of this.functions.values()) {
      const queue = target.asyncDeadLetterQueue;
      if (target === redrive || !queue) continue;
      redrive.function.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }));
      target.function.grantInvoke(redrive.function);
      pairs.push(`${queue.queueName}=${target.function.functionName}`);
      Validations.of(redrive.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${templateAttribute(redrive.role, target.function)}:*]`,
        reason: `lambda:InvokeFunction on ${target.definition.name} includes its versions and aliases (<function arn>:*), as grantInvoke writes it.`,
      });
    }
    redrive.function.addEnvironment(DEAD_LETTER_TARGETS_ENV, pairs.join(','));
  }

  private ruleTarget(fn: CatalogFunction): targets.LambdaFunction {
    return new targets.LambdaFunction(fn.function, {
      deadLetterQueue: fn.asyncDeadLetterQueue,
      retryAttempts: RULE_TARGET_RETRIES,
      maxEventAge: RULE_TARGET_MAX_EVENT_AGE,
    });
  }
}

function tableFrom(scope: Construct, def: TableDefinition): dynamodb.Table {
  // Every key attribute is a string: shared/store/keys.ts builds them all as strings.
  const key = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
  const table = new dynamodb.Table(scope, `${def.id}Table`, {
    partitionKey: key(def.partitionKey),
    sortKey: def.sortKey ? key(def.sortKey) : undefined,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: def.ttlAttribute,
    stream: def.stream ? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES : undefined,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of def.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: key(index.partitionKey),
      sortKey: key(index.sortKey),
      projectionType: dynamodb.ProjectionType[index.projection],
    });
  }
  return table;
}

/** The catalog writes patterns as EventBridge does ('detail-type'); CDK spells it detailType. */
function eventPatternOf(pattern: EventTrigger['pattern']): events.EventPattern {
  const { source, 'detail-type': detailType, detail } = pattern;
  return { ...(source && { source }), ...(detailType && { detailType }), ...(detail && { detail }) };
}

/** Construct id of a feature's nested stack: incidents -> FeatureIncidents. */
export function featureStackId(feature: string): string {
  return `Feature${pascalCase(feature)}`;
}

function acknowledgeIndexWildcard(fn: CatalogFunction, table: dynamodb.Table, access: 'read' | 'readwrite'): void {
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${templateAttribute(fn.role, table)}/index/*]`,
    reason: `${access} access to the table declared in infra/catalog.ts includes its GSIs; <table>/index/* names only that table's indexes.`,
  });
}

/** Fail synthesis with one clear message instead of a half-wired stack. */
function checkCatalog(catalog: Catalog, bundle: boolean, inboundEmailDomain: string): void {
  const problems: string[] = [];
  const names = new Set<string>();
  const topics = new Set(catalog.topics.map((t) => t.name));
  const routes = new Set<string>();
  const prefixes: Array<{ fn: string; prefix: string }> = [];
  const checkFeature = (what: string, feature: string | undefined) => {
    if (!feature) problems.push(`${what} names no feature (infra/catalog.ts sets it from the feature file)`);
    else if (!/^[a-z][a-z0-9-]*$/.test(feature)) problems.push(`${what}: feature "${feature}" is not kebab-case`);
  };
  for (const fn of catalog.functions) {
    if (names.has(fn.name)) problems.push(`function ${fn.name} is declared twice`);
    names.add(fn.name);
    checkFeature(`function ${fn.name}`, fn.feature);
    for (const topic of fn.topics ?? [])
      if (!topics.has(topic)) problems.push(`${fn.name} publishes to unknown topic ${topic}`);
    for (const [need, variable] of Object.entries(FUNCTION_NEEDS))
      if (fn.environment && variable in fn.environment)
        problems.push(`${fn.name}: environment sets ${variable}; declare needs: ['${need}'] instead`);
    if (fn.triggers.some((t) => t.kind === 'tableStream') && !catalog.tables.main.stream)
      problems.push(`${fn.name} has a tableStream trigger but the main table has no stream`);
    for (const t of fn.triggers) {
      if (t.kind !== 'http') continue;
      if (routes.has(routeKey(t))) problems.push(`${fn.name}: route ${routeKey(t)} is declared twice`);
      routes.add(routeKey(t));
    }
    const inbound = fn.triggers.filter((t) => t.kind === 'inboundEmail');
    if (inbound.length > 1)
      problems.push(`${fn.name} has ${inbound.length} inboundEmail triggers; one function reads one prefix`);
    for (const { prefix } of inbound) {
      if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(prefix))
        problems.push(`${fn.name}: inboundEmail prefix "${prefix}" must be a non-empty S3 key prefix ending in "/"`);
      const clash = prefixes.find((p) => p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix));
      if (clash) problems.push(`${fn.name}: inboundEmail prefix "${prefix}" overlaps "${clash.prefix}" of ${clash.fn}`);
      prefixes.push({ fn: fn.name, prefix });
    }
    if (bundle && !fs.existsSync(path.join(PROJECT_ROOT, fn.entry)))
      problems.push(`${fn.name}: entry ${fn.entry} does not exist`);
  }
  const machines = new Set<string>();
  for (const sm of catalog.stateMachines ?? []) {
    if (machines.has(sm.name)) problems.push(`state machine ${sm.name} is declared twice`);
    machines.add(sm.name);
    checkFeature(`state machine ${sm.name}`, sm.feature);
    if (!fs.existsSync(path.join(PROJECT_ROOT, sm.definitionFile)))
      problems.push(`state machine ${sm.name}: ${sm.definitionFile} does not exist`);
    for (const [n, sub] of Object.entries(sm.substitutions))
      if (!names.has(sub.function))
        problems.push(`state machine ${sm.name}: \${${n}} names unknown function ${sub.function}`);
  }
  for (const fn of catalog.functions)
    for (const [kind, list] of Object.entries(fn.stateMachines ?? {}))
      for (const m of list ?? [])
        if (!machines.has(m)) problems.push(`${fn.name}: stateMachines.${kind} names unknown state machine ${m}`);
  if (prefixes.length && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(inboundEmailDomain))
    problems.push(
      `inboundEmailDomain "${inboundEmailDomain}" is not a domain name (set it with -c inboundEmailDomain=support.example.org)`,
    );
  if (problems.length) throw new Error(`infra/catalog.ts cannot be deployed:\n- ${problems.join('\n- ')}`);
}
