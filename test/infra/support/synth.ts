// Fast in-process synthesis (no bundling, no cdk-nag) and helpers to read the template in
// catalog terms: which Lambda function is catalog function X, what its role may do, which
// queues are whose dead-letter queues.
import { NestedStack, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import {
  bucketPrefixes,
  isAsyncTrigger,
  type BucketAccess,
  type Catalog,
  type FunctionDefinition,
} from '../../../infra/catalog';
import { buildApp } from '../../../infra/aws/build-app';
import { FUNCTION_TAG, type CatalogFunction } from '../../../infra/aws/catalog-function';
import { stateMachinePhysicalName } from '../../../infra/aws/catalog-state-machine';
import type { NocturneStack } from '../../../infra/aws/nocturne-stack';

/** Template JSON, read loosely: the assertions check the shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string[];
  DeletionPolicy?: string;
}

export interface Synthesized {
  stack: NocturneStack;
  template: Template;
  resources: Record<string, CfnResourceJson>;
  outputs: Record<string, { Value: unknown }>;
}

const cache = new Map<Catalog, Synthesized>();

export function synth(catalog: Catalog): Synthesized {
  let s = cache.get(catalog);
  if (!s) {
    const { stack } = buildApp({ catalog, bundle: false, nag: false });
    const json = withNestedStacks(stack);
    const template = Template.fromJSON(json);
    s = { stack, template, resources: json.Resources, outputs: json.Outputs };
    cache.set(catalog, s);
  }
  return s;
}

type TemplateJson = { Resources: Synthesized['resources']; Outputs: Synthesized['outputs'] } & Record<string, unknown>;

/**
 * The stack's template with its nested stacks' resources folded in, each nested parameter replaced by the
 * expression the parent passes for it and each nested output the parent reads (Fn::GetAtt
 * <nested stack>.Outputs.X) by the expression behind it: the tests read one template whatever stack a
 * resource sits in (each catalog feature and the API routes have a nested stack; infra/aws).
 */
function withNestedStacks(stack: Stack): TemplateJson {
  const parent = Template.fromStack(stack).toJSON() as TemplateJson;
  const nested = new Map<string, { path: string; template: TemplateJson; passed: Record<string, Json> }>();
  for (const n of stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c))) {
    const holderId = stack.getLogicalId(n.nestedStackResource as CfnElement);
    nested.set(holderId, {
      path: n.node.path,
      template: Template.fromStack(n).toJSON() as TemplateJson,
      passed: (parent.Resources[holderId]?.Properties?.Parameters ?? {}) as Record<string, Json>,
    });
  }
  /** An expression as the parent would write it: parameters and nested outputs replaced by what they carry. */
  const unfold = (x: Json, passed: Record<string, Json>): Json => {
    if (Array.isArray(x)) return x.map((e) => unfold(e, passed));
    if (!x || typeof x !== 'object') return x;
    const keys = Object.keys(x);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof x.Ref === 'string' && x.Ref in passed)
      return unfold(passed[x.Ref], {});
    const getAtt = keys.length === 1 ? (x['Fn::GetAtt'] as [string, string] | undefined) : undefined;
    const output = getAtt && /^Outputs\.(.+)$/.exec(getAtt[1]);
    const holder = getAtt && nested.get(getAtt[0]);
    if (output && holder) {
      const value = (holder.template.Outputs as Record<string, { Value: Json }> | undefined)?.[output[1]!]?.Value;
      if (value === undefined) throw new Error(`Nested stack ${holder.path} has no output ${output[1]}`);
      return unfold(value, holder.passed);
    }
    return Object.fromEntries(keys.map((k) => [k, unfold(x[k], passed)]));
  };
  const resources: Synthesized['resources'] = unfold(parent.Resources, {});
  for (const { path, template, passed } of nested.values())
    for (const [id, r] of Object.entries(template.Resources)) {
      if (id in resources) throw new Error(`Logical id ${id} is in the stack and in nested stack ${path}`);
      resources[id] = unfold(r, passed);
    }
  return { ...parent, Resources: resources, Outputs: unfold(parent.Outputs ?? {}, {}) };
}

export function logicalId(construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(cfn);
}

export function resourcesOfType(s: Synthesized, type: string): Array<[string, CfnResourceJson]> {
  return Object.entries(s.resources).filter(([, r]) => r.Type === type);
}

/** The Lambda function that carries the catalog tag for this function name. */
export function lambdaOf(s: Synthesized, name: string): { id: string; props: Record<string, Json> } {
  const found = resourcesOfType(s, 'AWS::Lambda::Function').filter(([, r]) =>
    (r.Properties?.Tags as Array<{ Key: string; Value: string }> | undefined)?.some(
      (t) => t.Key === FUNCTION_TAG && t.Value === name,
    ),
  );
  if (found.length !== 1)
    throw new Error(`Expected one Lambda function tagged ${FUNCTION_TAG}=${name}, found ${found.length}`);
  const [id, r] = found[0]!;
  return { id, props: r.Properties! };
}

export function catalogFunction(s: Synthesized, name: string): CatalogFunction {
  const fn = s.stack.functions.get(name);
  if (!fn) throw new Error(`The stack has no construct for catalog function ${name}`);
  return fn;
}

export const ref = (id: string) => ({ Ref: id });
export const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

// ---- IAM: what a function's role may do, as "action on label" strings ----------------------

/** Names the resources a policy statement can point at, from the function's point of view. */
function labels(s: Synthesized, self: CatalogFunction): Map<string, string> {
  const m = new Map<string, string>();
  m.set(logicalId(s.stack.mainTable), 'main-table');
  m.set(logicalId(s.stack.idempotencyTable), 'idempotency-table');
  m.set(logicalId(s.stack.bus), 'bus');
  m.set(logicalId(s.stack.alarmTopic), 'alarm-topic');
  for (const [name, topic] of s.stack.topics) m.set(logicalId(topic), `topic:${name}`);
  if (s.stack.inboundEmail) m.set(logicalId(s.stack.inboundEmail.bucket), 'inbound-email-bucket');
  for (const [name, bucket] of s.stack.storage.buckets) m.set(logicalId(bucket), `bucket:${name}`);
  for (const [name, key] of s.stack.storage.keys) m.set(logicalId(key), `key:${name}`);
  // State machines are named, and granted, by ARNs built from their physical names.
  for (const name of s.stack.stateMachines.keys()) {
    const physical = stateMachinePhysicalName(s.stack, name);
    m.set(`stateMachine:${physical}`, `state-machine:${name}`);
    m.set(`execution:${physical}:*`, `state-machine:${name}:executions`);
  }
  for (const [name, fn] of s.stack.functions) {
    const owner = fn === self ? 'own' : `function:${name}`;
    m.set(logicalId(fn.logGroup), `${owner}:log-group`);
    m.set(logicalId(fn.function), `${owner}:function`);
    if (fn.asyncDeadLetterQueue) m.set(logicalId(fn.asyncDeadLetterQueue), `${owner}:async-dlq`);
    if (fn.streamDeadLetterQueue) m.set(logicalId(fn.streamDeadLetterQueue), `${owner}:stream-dlq`);
  }
  return m;
}

function label(expr: unknown, names: Map<string, string>): string {
  if (expr === '*') return '*';
  const e = expr as Json;
  if (e?.Ref) return names.get(e.Ref) ?? `?${e.Ref}`;
  const getAtt = e?.['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) {
    const base = names.get(getAtt[0]) ?? `?${getAtt[0]}`;
    if (getAtt[1] === 'Arn') return base;
    if (getAtt[1] === 'StreamArn') return `${base}/stream`;
  }
  const join = e?.['Fn::Join'] as [string, unknown[]] | undefined;
  const states =
    join && join[0] === ''
      ? /^arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:(.+)$/.exec(joined(join[1]))
      : null;
  if (states) return names.get(states[1]!) ?? `?${states[1]}`;
  if (join && join[0] === '' && join[1].length === 2 && typeof join[1][1] === 'string')
    return label(join[1][0], names) + join[1][1];
  return JSON.stringify(expr);
}

/** An Fn::Join's parts as text, pseudo parameters as <AWS::Region> and the like. */
function joined(parts: unknown[]): string {
  return parts
    .map((p) => (typeof p === 'string' ? p : (p as Json)?.Ref ? `<${(p as Json).Ref}>` : JSON.stringify(p)))
    .join('');
}

/** A statement's condition, only the kind the catalog grants write: `s3:prefix like a/*|b/*`. */
function conditionLabel(condition: Json): string {
  const keys = Object.keys(condition);
  const like = condition.StringLike as Record<string, string | string[]> | undefined;
  if (keys.length !== 1 || !like || Object.keys(like).join() !== 's3:prefix')
    throw new Error(`unexpected condition ${JSON.stringify(condition)}`);
  return `s3:prefix like ${[like['s3:prefix']].flat().join('|')}`;
}

/** A catalog bucket grant in grantsOf's notation (what infra/aws/buckets.ts must write for it). */
export function bucketGrants(name: string, access: BucketAccess): string[] {
  const { read, write } = bucketPrefixes(access);
  const list = read.includes('') ? '' : ` when s3:prefix like ${read.map((p) => `${p}*`).join('|')}`;
  return [
    `s3:ListBucket on bucket:${name}${list}`,
    ...read.map((p) => `s3:GetObject on bucket:${name}/${p}*`),
    ...write.flatMap((p) =>
      ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'].map((a) => `${a} on bucket:${name}/${p}*`),
    ),
  ];
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every permission the function's role holds, as sorted "action on resource" strings. */
export function grantsOf(s: Synthesized, name: string): string[] {
  const self = catalogFunction(s, name);
  const { props } = lambdaOf(s, name);
  const roleId = (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = s.resources[roleId]!;
  if (role.Properties?.ManagedPolicyArns?.length)
    throw new Error(`${name}'s role has managed policies: ${JSON.stringify(role.Properties.ManagedPolicyArns)}`);
  const statements: Statement[] = (role.Properties?.Policies ?? []).flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
  for (const [, policy] of [
    ...resourcesOfType(s, 'AWS::IAM::Policy'),
    ...resourcesOfType(s, 'AWS::IAM::ManagedPolicy'),
  ]) {
    const roles = asArray(policy.Properties?.Roles) as Array<{ Ref?: string }>;
    if (roles.some((r) => r.Ref === roleId))
      statements.push(...(policy.Properties!.PolicyDocument.Statement as Statement[]));
  }
  const names = labels(s, self);
  const grants = new Set<string>();
  for (const st of statements) {
    if (st.Effect !== 'Allow') throw new Error(`${name}: unexpected statement ${JSON.stringify(st)}`);
    const when = st.Condition ? ` when ${conditionLabel(st.Condition as Json)}` : '';
    for (const action of asArray(st.Action))
      for (const res of asArray(st.Resource)) grants.add(`${action} on ${label(res, names)}${when}`);
  }
  return [...grants].sort();
}

// What CDK's table grants contain; spelled out so that a wider grant fails the tests.
const TABLE_READ = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:Query',
  'dynamodb:Scan',
];
/** Answering Step Functions task tokens; no resource-level permissions exist for these. */
export const STEP_FUNCTIONS_CALLBACKS = [
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
  'states:SendTaskSuccess',
];
/** What an SQS event source needs on its queue. */
const DLQ_CONSUME = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];
export const TABLE_WRITE = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];

/** The permissions a catalog entry entitles its function to, in grantsOf's notation. */
export function expectedGrants(def: FunctionDefinition, catalog: Catalog): string[] {
  const grants = new Set<string>();
  const allow = (actions: string[], resources: string[]) => {
    for (const a of actions) for (const r of resources) grants.add(`${a} on ${r}`);
  };
  const tableResources = (table: 'main-table' | 'idempotency-table', indexes: number) =>
    indexes > 0 ? [table, `${table}/index/*`] : [table];

  // Every function: write its own logs, send traces.
  allow(['logs:CreateLogStream', 'logs:PutLogEvents'], ['own:log-group']);
  allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']);

  // What the catalog entry grants.
  if (def.table)
    allow(
      def.table === 'readwrite' ? [...TABLE_READ, ...TABLE_WRITE] : TABLE_READ,
      tableResources('main-table', catalog.tables.main.indexes.length),
    );
  if (def.idempotencyTable === 'readwrite')
    allow(
      [...TABLE_READ, ...TABLE_WRITE],
      tableResources('idempotency-table', catalog.tables.idempotency.indexes.length),
    );
  if (def.publishEvents) allow(['events:PutEvents'], ['bus']);
  for (const topic of def.topics ?? []) allow(['sns:Publish'], [`topic:${topic}`]);
  const machines = def.stateMachines ?? {};
  if (def.stepFunctionsCallbacks || machines.callbacks?.length) allow(STEP_FUNCTIONS_CALLBACKS, ['*']);
  for (const n of machines.start ?? []) allow(['states:StartExecution'], [`state-machine:${n}`]);
  for (const n of machines.read ?? []) {
    allow(['states:ListExecutions', 'states:DescribeStateMachine'], [`state-machine:${n}`]);
    allow(['states:DescribeExecution', 'states:GetExecutionHistory'], [`state-machine:${n}:executions`]);
  }
  for (const n of machines.redrive ?? []) allow(['states:RedriveExecution'], [`state-machine:${n}:executions`]);
  for (const n of machines.stop ?? []) allow(['states:StopExecution'], [`state-machine:${n}:executions`]);
  for (const [name, access] of Object.entries(def.buckets ?? {}))
    for (const g of bucketGrants(name, access)) grants.add(g);
  for (const [name, access] of Object.entries(def.keys ?? {})) {
    if (access !== 'encrypt') allow(['kms:Decrypt'], [`key:${name}`]);
    if (access !== 'decrypt') allow(['kms:GenerateDataKey'], [`key:${name}`]);
  }

  // What its triggers need: the stream to read, the raw messages to read, the dead-letter queues to write.
  if (def.triggers.some(isAsyncTrigger)) allow(['sqs:SendMessage'], ['own:async-dlq']);
  for (const t of def.triggers)
    if (t.kind === 'inboundEmail') allow(['s3:GetObject'], [`inbound-email-bucket/${t.prefix}*`]);
  if (def.triggers.some((t) => t.kind === 'deadLetters'))
    for (const other of catalog.functions) {
      if (other === def || !other.triggers.some(isAsyncTrigger)) continue;
      allow(DLQ_CONSUME, [`function:${other.name}:async-dlq`]);
      allow(['lambda:InvokeFunction'], [`function:${other.name}:function`, `function:${other.name}:function:*`]);
    }
  if (def.triggers.some((t) => t.kind === 'tableStream')) {
    allow(['dynamodb:ListStreams'], ['*']);
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], ['main-table/stream']);
    allow(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], ['own:stream-dlq']);
  }
  return [...grants].sort();
}
