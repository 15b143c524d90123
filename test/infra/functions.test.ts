// Every catalog function is deployed as declared: runtime, size, environment, exactly its grants
// and exactly its triggers. The tests loop over the catalog, so a new entry is checked as soon as
// it is added to infra/catalog.ts.
import { NestedStack, Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  bucketPrefixes,
  isAsyncTrigger,
  topicEnvName,
  type Catalog,
  type FunctionDefinition,
  type FunctionNeed,
  type Trigger,
} from '../../infra/catalog';
import { buildApp } from '../../infra/aws/build-app';
import { FUNCTION_TAG } from '../../infra/aws/catalog-function';
import { stateMachinePhysicalName } from '../../infra/aws/catalog-state-machine';
import { featureStackId } from '../../infra/aws/nocturne-stack';
import { catalogsUnderTest } from './support/exercise-catalog';
import {
  arnOf,
  catalogFunction,
  expectedGrants,
  grantsOf,
  lambdaOf,
  logicalId,
  ref,
  resourcesOfType,
  synth,
  TABLE_WRITE,
  type Json,
  type Synthesized,
} from './support/synth';

/** A secret's value as a CloudFormation dynamic reference: resolved at deploy, never in the template. */
function dynamicReference(secret: Secret): Json {
  return { 'Fn::Join': ['', ['{{resolve:secretsmanager:', ref(logicalId(secret)), ':SecretString:::}}']] };
}

function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case 'http':
      return `http ${t.method} ${t.path} (${t.auth})`;
    case 'schedule':
      return `schedule ${t.expression}`;
    case 'event':
      return `event ${JSON.stringify(t.pattern)}`;
    case 'tableStream':
      return `table stream, batches of ${t.batchSize}${t.itemTypes ? ` (${t.itemTypes.join(', ')} only)` : ''}`;
    case 'inboundEmail':
      return `inbound email under ${t.prefix}`;
    case 'deadLetters':
      return 'the dead letters of every async function';
    case 'deploy':
      return 'the end of each deployment that changes it';
  }
}

/** Integrations (HTTP API) whose target is this Lambda function. */
function integrationsOf(s: Synthesized, fnId: string): string[] {
  return resourcesOfType(s, 'AWS::ApiGatewayV2::Integration')
    .filter(([, r]) => JSON.stringify(r.Properties!.IntegrationUri) === JSON.stringify(arnOf(fnId)))
    .map(([id]) => id);
}

function routesOf(s: Synthesized, fnId: string): Array<[string, Json]> {
  const integrations = integrationsOf(s, fnId);
  return resourcesOfType(s, 'AWS::ApiGatewayV2::Route')
    .filter(([, r]) => integrations.some((i) => JSON.stringify(r.Properties!.Target).includes(`"Ref":"${i}"`)))
    .map(([id, r]) => [id, r.Properties]);
}

function rulesOf(s: Synthesized, fnId: string): Json[] {
  return resourcesOfType(s, 'AWS::Events::Rule')
    .map(([, r]) => r.Properties!)
    .filter((p) => (p.Targets as Json[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify(arnOf(fnId))));
}

/** SES receipt rules with a Lambda action that invokes this function. */
function receiptRulesOf(s: Synthesized, fnId: string): Json[] {
  return resourcesOfType(s, 'AWS::SES::ReceiptRule')
    .map(([, r]) => r.Properties!)
    .filter((p) =>
      (p.Rule.Actions as Json[]).some(
        (a) => JSON.stringify(a.LambdaAction?.FunctionArn) === JSON.stringify(arnOf(fnId)),
      ),
    );
}

function streamMappingsOf(s: Synthesized, fnId: string): Json[] {
  return resourcesOfType(s, 'AWS::Lambda::EventSourceMapping')
    .map(([, r]) => r.Properties!)
    .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify(ref(fnId)));
}

function expectTriggerWired(s: Synthesized, def: FunctionDefinition, trigger: Trigger): void {
  const { id: fnId } = lambdaOf(s, def.name);
  const fn = catalogFunction(s, def.name);
  const ruleTarget = (rule: Json) => {
    const target = (rule.Targets as Json[]).find((t) => JSON.stringify(t.Arn) === JSON.stringify(arnOf(fnId)));
    expect(target.DeadLetterConfig).toEqual({ Arn: arnOf(logicalId(fn.asyncDeadLetterQueue!)) });
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThan(0);
  };

  switch (trigger.kind) {
    case 'http': {
      const routeKey = `${trigger.method} ${trigger.path}`;
      const routes = routesOf(s, fnId).filter(([, p]) => p.RouteKey === routeKey);
      expect(routes).toHaveLength(1);
      const route = routes[0]![1];
      if (trigger.auth === 'jwt') {
        expect(route.AuthorizationType).toBe('JWT');
        expect(route.AuthorizerId).toEqual(ref(logicalIdOfAuthorizer(s)));
      } else {
        expect(route.AuthorizationType).toBe('NONE');
        expect(route.AuthorizerId).toBeUndefined();
      }
      return;
    }
    case 'schedule': {
      const rules = rulesOf(s, fnId).filter((r) => r.ScheduleExpression === trigger.expression);
      expect(rules).toHaveLength(1);
      expect(rules[0].EventBusName).toBeUndefined(); // schedules live on the default bus
      ruleTarget(rules[0]);
      return;
    }
    case 'event': {
      const rules = rulesOf(s, fnId).filter((r) => JSON.stringify(r.EventPattern) === JSON.stringify(trigger.pattern));
      expect(rules).toHaveLength(1);
      expect(rules[0].EventBusName).toEqual(ref(logicalId(s.stack.bus)));
      ruleTarget(rules[0]);
      return;
    }
    case 'tableStream': {
      const mappings = streamMappingsOf(s, fnId).filter((m) => m.BatchSize === trigger.batchSize);
      expect(mappings).toHaveLength(1);
      expect(mappings[0]).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [logicalId(s.stack.mainTable), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: arnOf(logicalId(fn.streamDeadLetterQueue!)) } },
      });
      expect(mappings[0].MaximumRetryAttempts).toBeGreaterThan(0);
      // The item type filter, when the trigger has one: other records never invoke the function.
      if (trigger.itemTypes)
        expect(mappings[0].FilterCriteria).toEqual({
          Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { type: { S: [...trigger.itemTypes] } } } }) }],
        });
      else expect(mappings[0].FilterCriteria).toBeUndefined();
      return;
    }
    case 'deadLetters': {
      // One SQS event source per other function's async DLQ: one message at a time, partial failures;
      // the DLQ gives a failed redrive back after 15 minutes and parks it after 5 receives.
      const env = lambdaOf(s, def.name).props.Environment.Variables as Record<string, unknown>;
      const owners = [...s.stack.functions.values()].filter(
        (f) => f.asyncDeadLetterQueue && f.definition.name !== def.name,
      );
      expect(owners.length).toBeGreaterThan(0);
      const sqsMappings = streamMappingsOf(s, fnId).filter((m) =>
        JSON.stringify(m.EventSourceArn).includes('AsyncDlq'),
      );
      expect(sqsMappings).toHaveLength(owners.length);
      for (const owner of owners) {
        const queueId = logicalId(owner.asyncDeadLetterQueue!);
        const mapping = sqsMappings.find((m) => JSON.stringify(m.EventSourceArn) === JSON.stringify(arnOf(queueId)));
        expect(mapping).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
        expect(s.resources[queueId]!.Properties).toMatchObject({
          VisibilityTimeout: 900,
          RedrivePolicy: { deadLetterTargetArn: arnOf(logicalId(s.stack.parkedDeadLetters!)), maxReceiveCount: 5 },
        });
        // The redrive knows which function a queue feeds: <queue name>=<function name>.
        expect(JSON.stringify(env.DEAD_LETTER_TARGETS)).toContain(
          JSON.stringify({ 'Fn::GetAtt': [queueId, 'QueueName'] }).slice(0, -1),
        );
      }
      expect(s.resources[logicalId(s.stack.parkedDeadLetters!)]!.Type).toBe('AWS::SQS::Queue');
      return;
    }
    case 'inboundEmail': {
      // Store the raw message under the prefix first, then invoke the function asynchronously.
      const rules = receiptRulesOf(s, fnId);
      expect(rules).toHaveLength(1);
      const bucket = logicalId(s.stack.inboundEmail!.bucket);
      expect(rules[0].RuleSetName).toEqual(ref(logicalId(s.stack.inboundEmail!.ruleSet)));
      expect(rules[0].Rule).toMatchObject({
        Enabled: true,
        ScanEnabled: true,
        Recipients: [s.stack.inboundEmail!.domain],
      });
      expect(rules[0].Rule.Actions).toEqual([
        { S3Action: { BucketName: ref(bucket), ObjectKeyPrefix: trigger.prefix } },
        { LambdaAction: { FunctionArn: arnOf(fnId), InvocationType: 'Event' } },
      ]);
      const env = lambdaOf(s, def.name).props.Environment.Variables;
      expect(env).toMatchObject({ INBOUND_EMAIL_BUCKET: ref(bucket), INBOUND_EMAIL_PREFIX: trigger.prefix });
      return;
    }
    case 'deploy': {
      // A CDK Trigger (Custom::Trigger) invokes the function's current version asynchronously; it
      // is created after the table and every other catalog function, so new code is live first.
      const versions = resourcesOfType(s, 'AWS::Lambda::Version')
        .filter(([, r]) => JSON.stringify(r.Properties!.FunctionName) === JSON.stringify(ref(fnId)))
        .map(([id]) => id);
      expect(versions).toHaveLength(1);
      const runs = resourcesOfType(s, 'Custom::Trigger').filter(
        ([, r]) => JSON.stringify(r.Properties!.HandlerArn) === JSON.stringify(ref(versions[0]!)),
      );
      expect(runs).toHaveLength(1);
      const [, run] = runs[0]!;
      expect(run.Properties!.InvocationType).toBe('Event');
      // Within its nested stack the run depends on the resource itself; across stacks CloudFormation
      // orders whole stacks, so its nested stack depends on the other's (or on the parent's resource).
      const here = Stack.of(fn.function) as NestedStack;
      const holderOf = (n: Stack) => s.stack.getLogicalId((n as NestedStack).nestedStackResource as CfnElement);
      const holderAfter = s.resources[holderOf(here)]!.DependsOn ?? [];
      const expectAfter = (construct: IConstruct) => {
        const there = Stack.of(construct);
        if (there === here) expect(run.DependsOn ?? []).toContain(logicalId(construct));
        else if (there === s.stack) expect(holderAfter).toContain(logicalId(construct));
        else expect(holderAfter).toContain(holderOf(there));
      };
      expectAfter(s.stack.mainTable);
      for (const other of s.stack.functions.values())
        if (other.definition.name !== def.name) expectAfter(other.function);
      return;
    }
  }
}

function logicalIdOfAuthorizer(s: Synthesized): string {
  const authorizers = resourcesOfType(s, 'AWS::ApiGatewayV2::Authorizer');
  expect(authorizers).toHaveLength(1);
  return authorizers[0]![0];
}

describe.each(catalogsUnderTest)('functions of %s', (_title, catalog: Catalog) => {
  const s = synth(catalog);

  it("deploys one Lambda function per catalog entry, and no other but aws-cdk-lib's own deployment handlers", () => {
    const tagged = (r: Json) =>
      (r.Properties?.Tags as Array<{ Key: string }> | undefined)?.some((t) => t.Key === FUNCTION_TAG) ?? false;
    const lambdas = resourcesOfType(s, 'AWS::Lambda::Function');
    expect(lambdas.filter(([, r]) => tagged(r))).toHaveLength(catalog.functions.length);
    // The BucketDeployment's handler (decision 0050) and, with a deploy trigger, the CDK Triggers'
    // provider (one per stack holding a trigger), known by their roles.
    const triggerProviders = resourcesOfType(s, 'AWS::IAM::Role')
      .map(([id]) => id)
      .filter((id) => id.startsWith('AWSCDKTriggerCustomResourceProvider'));
    const deployTriggered = catalog.functions.some((f) => f.triggers.some((t) => t.kind === 'deploy'));
    expect(triggerProviders).toHaveLength(deployTriggered ? 1 : 0);
    expect(lambdas.filter(([, r]) => !tagged(r)).map(([, r]) => r.Properties!.Role)).toEqual([
      arnOf(logicalId(s.stack.board.deployment.handlerRole)),
      ...triggerProviders.map(arnOf),
    ]);
  });

  it("puts every function, and every state machine, in exactly one nested stack: its feature's", () => {
    const stacks = [s.stack as Stack, ...s.stack.node.findAll().filter((c) => NestedStack.isNestedStack(c))];
    const whereFunction = new Map<string, string[]>();
    const whereMachine = new Map<string, string[]>();
    for (const stack of stacks) {
      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
      for (const r of Object.values(resources)) {
        const tag = (r.Properties?.Tags as Array<{ Key: string; Value: string }> | undefined)?.find(
          (t) => t.Key === FUNCTION_TAG,
        );
        if (r.Type === 'AWS::Lambda::Function' && tag)
          whereFunction.set(tag.Value, [...(whereFunction.get(tag.Value) ?? []), stack.node.path]);
        if (r.Type === 'AWS::StepFunctions::StateMachine') {
          const name = catalog.stateMachines.find(
            (m) => r.Properties.StateMachineName === stateMachinePhysicalName(s.stack, m.name),
          )?.name;
          whereMachine.set(name ?? '?', [...(whereMachine.get(name ?? '?') ?? []), stack.node.path]);
        }
      }
    }
    const home = (feature: string | undefined) => [`Nocturne/${featureStackId(feature!)}`];
    expect(Object.fromEntries(whereFunction)).toEqual(
      Object.fromEntries(catalog.functions.map((f) => [f.name, home(f.feature)])),
    );
    expect(Object.fromEntries(whereMachine)).toEqual(
      Object.fromEntries(catalog.stateMachines.map((m) => [m.name, home(m.feature)])),
    );
  });

  describe.each(catalog.functions.map((def) => [def.name, def] as const))('%s', (name, def) => {
    it('runs Node.js 22 on arm64 with the catalog memory, timeout and description', () => {
      const { props } = lambdaOf(s, name);
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: def.memoryMb,
        Timeout: def.timeoutSeconds,
        Description: def.description,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
    });

    it('logs JSON to its own log group, which has a retention', () => {
      const { props } = lambdaOf(s, name);
      const logGroupId = logicalId(catalogFunction(s, name).logGroup);
      expect(props.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: ref(logGroupId) });
      expect(s.resources[logGroupId]!.Properties!.RetentionInDays).toBeGreaterThan(0);
    });

    it('gets the table, bus and topic names, the shared settings and its own environment', () => {
      const env = lambdaOf(s, name).props.Environment.Variables;
      expect(env).toMatchObject({
        TABLE_NAME: ref(logicalId(s.stack.mainTable)),
        IDEMPOTENCY_TABLE_NAME: ref(logicalId(s.stack.idempotencyTable)),
        EVENT_BUS_NAME: ref(logicalId(s.stack.bus)),
        POWERTOOLS_SERVICE_NAME: 'nocturne',
        NODE_OPTIONS: '--enable-source-maps',
        ...def.environment,
      });
      for (const topic of catalog.topics)
        expect(env[topicEnvName(topic.name)]).toEqual(ref(logicalId(s.stack.topics.get(topic.name)!)));
    });

    it('gets the public API URL and the page-link secret only if its entry needs them, the secret by dynamic reference', () => {
      const env = lambdaOf(s, name).props.Environment.Variables;
      const needs = def.needs ?? [];
      expect(env.PUBLIC_BASE_URL).toEqual(
        needs.includes('publicBaseUrl') ? { 'Fn::GetAtt': [logicalId(s.stack.api.httpApi), 'ApiEndpoint'] } : undefined,
      );
      if (!needs.includes('actLinkSecret')) {
        expect(env.ACT_LINK_SECRET).toBeUndefined();
        return;
      }
      // Resolved by CloudFormation at deploy: the template never holds the value.
      expect(env.ACT_LINK_SECRET).toEqual(dynamicReference(s.stack.actLinkSecret!));
    });

    it('gets the OCS configuration and the webhook signing key only if its entry needs them, by dynamic reference', () => {
      const env = lambdaOf(s, name).props.Environment.Variables;
      const needs = def.needs ?? [];
      expect(env.OCS_CONFIG).toEqual(
        needs.includes('ocsConfig') ? dynamicReference(s.stack.ocsConfigSecret!) : undefined,
      );
      expect(env.WEBHOOK_SIGNING_SECRET).toEqual(
        needs.includes('webhookSigningSecret') ? dynamicReference(s.stack.webhookSigningSecret!) : undefined,
      );
    });

    it('has a role that holds exactly the grants its catalog entry declares', () => {
      expect(grantsOf(s, name)).toEqual(expectedGrants(def, catalog));
    });

    it('cannot write the table, put events or publish to topics unless its entry says so', () => {
      const grants = grantsOf(s, name);
      const writes = grants.filter((g) => TABLE_WRITE.some((a) => g.startsWith(`${a} on main-table`)));
      expect(writes.length > 0).toBe(def.table === 'readwrite');
      expect(grants.some((g) => g.startsWith('events:PutEvents'))).toBe(def.publishEvents === true);
      const published = grants
        .filter((g) => g.startsWith('sns:Publish on '))
        .map((g) => g.replace('sns:Publish on topic:', ''));
      expect(published.sort()).toEqual([...(def.topics ?? [])].sort());
    });

    // A function only state machines invoke (e.g. order-steps) has no trigger of its own.
    if (def.triggers.length)
      it.each(def.triggers.map((t) => [describeTrigger(t), t] as const))('is triggered by %s', (_t, trigger) => {
        expectTriggerWired(s, def, trigger);
      });

    it('is wired to its catalog triggers and nothing else', () => {
      const { id: fnId } = lambdaOf(s, name);
      const count = (kind: Trigger['kind']) => def.triggers.filter((t) => t.kind === kind).length;
      expect(routesOf(s, fnId)).toHaveLength(count('http'));
      expect(rulesOf(s, fnId)).toHaveLength(count('schedule') + count('event'));
      const fromStream = (m: Json) => JSON.stringify(m.EventSourceArn).includes('StreamArn');
      expect(streamMappingsOf(s, fnId).filter(fromStream)).toHaveLength(count('tableStream'));
      // Only a deadLetters function reads queues: one mapping per other async function's DLQ.
      const queueMappings = streamMappingsOf(s, fnId).filter((m) => !fromStream(m));
      if (!count('deadLetters')) expect(queueMappings).toEqual([]);
      else
        expect(queueMappings.length).toBe(
          [...s.stack.functions.values()].filter((f) => f.asyncDeadLetterQueue && f.definition.name !== name).length,
        );
      expect(receiptRulesOf(s, fnId)).toHaveLength(count('inboundEmail'));
      if (!count('inboundEmail')) {
        const env = lambdaOf(s, name).props.Environment.Variables;
        expect(env.INBOUND_EMAIL_BUCKET).toBeUndefined();
        expect(env.INBOUND_EMAIL_PREFIX).toBeUndefined();
      }
    });

    it('may read inbound email and use Step Functions (task tokens, executions) only if its entry says so', () => {
      const grants = grantsOf(s, name);
      const declaresStates =
        def.stepFunctionsCallbacks === true ||
        Object.values(def.stateMachines ?? {}).some((machines) => (machines?.length ?? 0) > 0);
      expect(grants.filter((g) => g.startsWith('states:')).length > 0).toBe(declaresStates);
      const reads = grants.filter((g) => g.startsWith('s3:') && g.includes(' on inbound-email-bucket'));
      expect(reads).toEqual(
        def.triggers.flatMap((t) =>
          t.kind === 'inboundEmail' ? [`s3:GetObject on inbound-email-bucket/${t.prefix}*`] : [],
        ),
      );
    });

    it('may touch catalog buckets and keys only as its entry lists them', () => {
      const grants = grantsOf(s, name);
      const buckets = new Set(grants.flatMap((g) => /^s3:\w+ on bucket:([^/\s]+)/.exec(g)?.[1] ?? []));
      const keys = new Set(grants.flatMap((g) => /^kms:\w+ on key:(.+)$/.exec(g)?.[1] ?? []));
      expect([...buckets].sort()).toEqual(Object.keys(def.buckets ?? {}).sort());
      expect([...keys].sort()).toEqual(Object.keys(def.keys ?? {}).sort());
      const writes = grants.filter((g) => /^s3:(PutObject|DeleteObject) on bucket:/.test(g));
      expect(writes.length > 0).toBe(Object.values(def.buckets ?? {}).some((a) => bucketPrefixes(a).write.length > 0));
    });

    it('sends failed async invocations to its dead-letter queue when it has schedule, event or inbound email triggers', () => {
      const fn = catalogFunction(s, name);
      const { id: fnId, props } = lambdaOf(s, name);
      const async = def.triggers.some(isAsyncTrigger);
      expect(fn.asyncDeadLetterQueue !== undefined).toBe(async);
      if (!async) {
        expect(props.DeadLetterConfig).toBeUndefined();
        return;
      }
      expect(props.DeadLetterConfig).toEqual({ TargetArn: arnOf(logicalId(fn.asyncDeadLetterQueue!)) });
      const invokeConfigs = resourcesOfType(s, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, r]) => JSON.stringify(r.Properties!.FunctionName) === JSON.stringify(ref(fnId)),
      );
      expect(invokeConfigs).toHaveLength(1);
      expect(invokeConfigs[0]![1].Properties!.MaximumRetryAttempts).toBe(2);
    });
  });

  it('creates the page-link secret iff a function needs it: generated, 64 characters, no punctuation (it is one of a comma-separated list)', () => {
    const needed = catalog.functions.some((f) => f.needs?.includes('actLinkSecret'));
    expect(s.stack.actLinkSecret !== undefined).toBe(needed);
    if (needed)
      expect(s.resources[logicalId(s.stack.actLinkSecret!)]!.Properties!.GenerateSecretString).toEqual({
        PasswordLength: 64,
        ExcludePunctuation: true,
      });
  });

  it('creates the OCS and webhook secrets iff a function needs them, and no other secret', () => {
    const needs = (need: FunctionNeed) => catalog.functions.some((f) => f.needs?.includes(need));
    expect(s.stack.ocsConfigSecret !== undefined).toBe(needs('ocsConfig'));
    expect(s.stack.webhookSigningSecret !== undefined).toBe(needs('webhookSigningSecret'));
    const expected = [s.stack.actLinkSecret, s.stack.ocsConfigSecret, s.stack.webhookSigningSecret]
      .filter((x) => x !== undefined)
      .map((x) => logicalId(x))
      .sort();
    expect(
      resourcesOfType(s, 'AWS::SecretsManager::Secret')
        .map(([id]) => id)
        .sort(),
    ).toEqual(expected);
    if (s.stack.ocsConfigSecret)
      expect(s.resources[logicalId(s.stack.ocsConfigSecret)]!.Properties!.GenerateSecretString).toMatchObject({
        GenerateStringKey: 'apiKey',
      });
  });

  it('declares every HTTP route once', () => {
    const keys = catalog.functions.flatMap((f) =>
      f.triggers.flatMap((t) => (t.kind === 'http' ? [`${t.method} ${t.path}`] : [])),
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      resourcesOfType(s, 'AWS::ApiGatewayV2::Route')
        .map(([, r]) => r.Properties!.RouteKey)
        .sort(),
    ).toEqual([...keys].sort());
  });
});

describe('feature stacks', () => {
  it('refuses a function that names no feature (it would have no nested stack)', () => {
    const [, exercise] = catalogsUnderTest[1]!;
    const [first, ...rest] = exercise.functions;
    const catalog = { ...exercise, functions: [{ ...first!, feature: undefined }, ...rest] };
    expect(() => buildApp({ catalog, bundle: false, nag: false })).toThrow(
      new RegExp(`function ${first!.name} names no feature`),
    );
  });
});

describe('deployment values (catalog needs)', () => {
  it('refuses a function that sets PUBLIC_BASE_URL or ACT_LINK_SECRET in its static environment', () => {
    const [, exercise] = catalogsUnderTest[1]!;
    const [first, ...rest] = exercise.functions;
    const catalog = { ...exercise, functions: [{ ...first!, environment: { ACT_LINK_SECRET: 'plaintext' } }, ...rest] };
    expect(() => buildApp({ catalog, bundle: false, nag: false })).toThrow(
      /environment sets ACT_LINK_SECRET; declare needs: \['actLinkSecret'\]/,
    );
  });
});
