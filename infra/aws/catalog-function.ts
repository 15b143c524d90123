// One catalog function as deployed: its role, log group, Lambda function, dead-letter queues and
// alarms. Everything here is the same for every function; what differs (memory, timeout,
// environment, which DLQs exist) comes from the function's catalog entry.
import * as path from 'node:path';
import {
  AssetHashType,
  DockerImage,
  Duration,
  Tags,
  Validations,
  type BundlingOptions,
  type ILocalBundling,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isAsyncTrigger, type FunctionDefinition } from '../catalog';
import { BUNDLE_FILE, bundleFunctionSync } from './bundling';

/** Repository root: catalog entries are relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Tag carried by every resource of a catalog function; tests find functions by it. */
export const FUNCTION_TAG = 'nocturne:function';

/** Node 22 everywhere: the local runtime, the tests and Lambda run the same major version. */
export const RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Stand-in code for fast, bundle-free synthesis (tests). Never meant to be deployed. */
const UNBUNDLED_CODE =
  'exports.handler = async () => { throw new Error("This function was synthesized without bundling (bundle: false)."); };';

export interface CatalogFunctionProps {
  definition: FunctionDefinition;
  /** Environment from the stack (table names, bus name, topic ARNs..., and the values its `needs` declare). */
  sharedEnvironment: Record<string, string>;
  /** Where DLQ and error alarms notify. */
  alarmTopic: sns.ITopic;
  /** false: skip esbuild and use inline stand-in code (fast synth in tests). */
  bundle: boolean;
  /** When a redrive function reads the async DLQ: the time between redrives and where a message goes after maxReceives. */
  redrive?: { parkedQueue: sqs.IQueue; maxReceives: number; interval: Duration };
}

/** kebab-case or lower-case catalog name to a construct id fragment: ops-alerts -> OpsAlerts. */
export function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** Construct id of a catalog function; stable while the catalog grows. */
export function constructIdFor(name: string): string {
  return `Fn${pascalCase(name)}`;
}

export class CatalogFunction extends Construct {
  readonly definition: FunctionDefinition;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Receives events that EventBridge could not deliver and async invocations that failed every retry. */
  readonly asyncDeadLetterQueue?: sqs.Queue;
  /** Receives the description of stream batches that failed every retry. */
  readonly streamDeadLetterQueue?: sqs.Queue;
  readonly errorsAlarm: cloudwatch.Alarm;
  private readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, props: CatalogFunctionProps) {
    const def = props.definition;
    super(scope, constructIdFor(def.name));
    this.definition = def;
    this.alarmTopic = props.alarmTopic;
    Tags.of(this).add(FUNCTION_TAG, def.name);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH });

    // An own role instead of AWSLambdaBasicExecutionRole: logs go to this function's log group
    // only, and every other permission is granted from the catalog by the stack.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Nocturne function ${def.name}`,
    });
    this.logGroup.grantWrite(this.role);

    const triggeredAsync = def.triggers.some(isAsyncTrigger);
    if (triggeredAsync)
      this.asyncDeadLetterQueue = this.deadLetterQueue('AsyncDlq', 'events or async invocations', props.redrive);
    if (def.triggers.some((t) => t.kind === 'tableStream'))
      this.streamDeadLetterQueue = this.deadLetterQueue('StreamDlq', 'table stream batches');

    this.function = new lambda.Function(this, 'Function', {
      description: def.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.sharedEnvironment,
        NODE_OPTIONS: '--enable-source-maps',
        ...def.environment,
      },
      // Async invocations (schedules, bus events, SES): two Lambda retries, then the original
      // event lands in the DLQ, ready to be redriven.
      ...(this.asyncDeadLetterQueue
        ? { deadLetterQueue: this.asyncDeadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) }
        : {}),
      code: props.bundle ? bundledCode(def) : lambda.Code.fromInline(UNBUNDLED_CODE),
      handler: 'index.handler',
    });

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `Nocturne function ${def.name} threw errors (see its log group).`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.notify(this.errorsAlarm);

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: the local runtime, the tests and the bundles all target Node 22 (see docs/decisions/0002).',
    });
  }

  private deadLetterQueue(id: string, what: string, redrive?: CatalogFunctionProps['redrive']): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      // Redriven by the dlq-redrive function: a failed redrive comes back after `interval`, and after
      // maxReceives it is parked for a person (docs/decisions/0009).
      ...(redrive
        ? {
            visibilityTimeout: redrive.interval,
            deadLetterQueue: { queue: redrive.parkedQueue, maxReceiveCount: redrive.maxReceives },
          }
        : {}),
    });
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmDescription: `Nocturne function ${this.definition.name}: ${what} are waiting in a dead-letter queue.`,
      // Visible and in flight: a message waiting between two redrives (invisible) still sits in the DLQ.
      metric: new cloudwatch.MathExpression({
        expression: 'visible + inflight',
        label: 'Dead letters (visible + in flight)',
        period: Duration.minutes(1),
        usingMetrics: {
          visible: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          inflight: queue.metricApproximateNumberOfMessagesNotVisible({
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        },
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.notify(alarm);
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (Lambda DLQ / rule target DLQ / stream on-failure destination); it is alarmed instead.',
    });
    return queue;
  }

  private notify(alarm: cloudwatch.Alarm): void {
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}

/**
 * The function's bundle, built locally (no Docker) by infra/aws/bundling.ts, the module
 * `npm run bench:bundles` measures: a minified ES module with an external source map. The asset
 * hash is the bundle's, so an unchanged bundle is not uploaded again.
 */
function bundledCode(def: FunctionDefinition): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: new LocalBundling(def.entry),
  });
}

class LocalBundling implements BundlingOptions {
  /** Never pulled: local bundling always succeeds or throws. */
  readonly image = DockerImage.fromRegistry('dummy');
  /** Part of CDK's bundling cache key, which ignores functions: one entry, one bundle. */
  readonly command: string[];
  readonly local: ILocalBundling;

  constructor(entry: string) {
    this.command = ['infra/aws/bundling.ts', entry, BUNDLE_FILE];
    this.local = {
      tryBundle(outputDir: string): boolean {
        bundleFunctionSync(entry, outputDir);
        return true;
      },
    };
  }
}
