// One catalog state machine as deployed: the ASL file with its ${Substitutions} filled in with the
// ARNs of the catalog functions they name (definitionSubstitutions), a role that may invoke exactly
// those functions, every execution event logged (level ALL) to its own log group, X-Ray tracing,
// and alarms on failed and timed-out executions. The machine has a physical name derived from the
// deployed stack, so functions get its ARN without a reference to it (a function may both be a Task
// of a machine and start or answer it without a dependency cycle, from any feature's nested stack).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import type { StateMachineAccess, StateMachineDefinition } from '../catalog';
import type { CatalogStorage } from './buckets';
import { PROJECT_ROOT, pascalCase, type CatalogFunction } from './catalog-function';
import { rootStackOf, templateAttribute, templateString } from './cross-stack';

/** The physical name of a catalog machine: the deployed stack's name and its own (at most 80 characters,
 * as Step Functions allows), whichever nested stack `scope` is in. */
export function stateMachinePhysicalName(scope: IConstruct, name: string): string {
  return `${rootStackOf(scope).stackName}-${name}`.slice(0, 80);
}

/** ARN of a catalog machine, or of its executions (`executions: true`), built from its physical name in
 * the template of `scope`'s stack. */
export function stateMachineArn(scope: IConstruct, name: string, executions = false): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: executions ? 'execution' : 'stateMachine',
    resourceName: executions ? `${stateMachinePhysicalName(scope, name)}:*` : stateMachinePhysicalName(scope, name),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export interface CatalogStateMachineProps {
  definition: StateMachineDefinition;
  /** Every catalog function by name (its substitutions name some of them). */
  functions: ReadonlyMap<string, CatalogFunction>;
  alarmTopic: sns.ITopic;
  /** The catalog's buckets (the machine's `buckets` grants). */
  storage: CatalogStorage;
}

export class CatalogStateMachine extends Construct {
  readonly definition: StateMachineDefinition;
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly failedAlarm: cloudwatch.Alarm;
  readonly timedOutAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, props: CatalogStateMachineProps) {
    const def = props.definition;
    super(scope, `Sm${pascalCase(def.name)}`);
    this.definition = def;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Nocturne state machine ${def.name}`,
    });

    const substitutions: Record<string, string> = {};
    const granted = new Set<string>();
    for (const [name, sub] of Object.entries(def.substitutions)) {
      const fn = props.functions.get(sub.function);
      if (!fn)
        throw new Error(
          `State machine ${def.name}: \${${name}} names function ${sub.function}, which the catalog does not declare`,
        );
      substitutions[name] = fn.function.functionArn;
      if (granted.has(sub.function)) continue;
      granted.add(sub.function);
      fn.function.grantInvoke(this.role);
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${templateAttribute(this.role, fn.function)}:*]`,
        reason: `lambda:InvokeFunction on ${sub.function} includes its versions and aliases (<function arn>:*), as grantInvoke writes it; no other function.`,
      });
    }

    for (const [name, access] of Object.entries(def.buckets ?? {}))
      props.storage.grantBucket(this.role, name, access, `State machine ${def.name}`);

    const file = path.join(PROJECT_ROOT, def.definitionFile);
    const asl = JSON.parse(readFileSync(file, 'utf8')) as { TimeoutSeconds?: number };
    if (hasDistributedMap(asl)) {
      // A Distributed Map runs each child workflow as an execution of this very machine.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn(this, def.name)] }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [stateMachineArn(this, def.name, true)],
        }),
      );
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${templateString(this, stateMachineArn(this, def.name, true))}]`,
        reason: `The Distributed Map's child executions of state machine ${def.name} only (execution:<machine>:*): their names are chosen by Step Functions.`,
      });
    }
    // The file is the definition; only a catalog timeout the file does not state is added to it.
    const definitionBody =
      def.timeoutSeconds !== undefined && asl.TimeoutSeconds === undefined
        ? sfn.DefinitionBody.fromString(JSON.stringify({ ...asl, TimeoutSeconds: def.timeoutSeconds }))
        : sfn.DefinitionBody.fromFile(file);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: stateMachinePhysicalName(this, def.name),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: def.description,
      definitionBody,
      definitionSubstitutions: substitutions,
      role: this.role,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery, ...) and X-Ray (xray:PutTraceSegments, ...) for the state machine accept only "*".',
    });

    const alarm = (id: string, what: string, metric: cloudwatch.Metric) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmDescription: `Nocturne state machine ${def.name}: ${what} (see its log group and execution history).`,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    const period = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    this.failedAlarm = alarm('ExecutionsFailedAlarm', 'executions failed', this.stateMachine.metricFailed(period));
    this.timedOutAlarm = alarm(
      'ExecutionsTimedOutAlarm',
      'executions timed out',
      this.stateMachine.metricTimedOut(period),
    );
  }
}

/** Whether a definition (at any depth) holds a Map whose ItemProcessor runs in DISTRIBUTED mode. */
export function hasDistributedMap(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasDistributedMap);
  if (!node || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  const config = (o.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig;
  if (o.Type === 'Map' && config?.Mode === 'DISTRIBUTED') return true;
  return Object.values(o).some(hasDistributedMap);
}

/** What a catalog function may do with the machines it lists (StateMachineAccess), as IAM statements. */
export function stateMachineStatements(scope: IConstruct, access: StateMachineAccess): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  const onMachines = (names: string[] | undefined, actions: string[]) => {
    if (names?.length)
      statements.push(new iam.PolicyStatement({ actions, resources: names.map((n) => stateMachineArn(scope, n)) }));
  };
  const onExecutions = (names: string[] | undefined, actions: string[]) => {
    if (names?.length)
      statements.push(
        new iam.PolicyStatement({ actions, resources: names.map((n) => stateMachineArn(scope, n, true)) }),
      );
  };
  onMachines(access.start, ['states:StartExecution']);
  onMachines(access.read, ['states:ListExecutions', 'states:DescribeStateMachine']);
  onExecutions(access.read, ['states:DescribeExecution', 'states:GetExecutionHistory']);
  onExecutions(access.redrive, ['states:RedriveExecution']);
  onExecutions(access.stop, ['states:StopExecution']);
  return statements;
}
