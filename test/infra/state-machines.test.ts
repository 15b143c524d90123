// Every catalog state machine is wired by the rules (infra/state-machine-checks.ts) and deployed as
// declared: one AWS::StepFunctions::StateMachine from its ASL file with its substitutions, a role
// that may invoke exactly its functions, logging ALL with retention, X-Ray, alarms on failed and
// timed-out executions; the functions that list it get exactly their Step Functions actions and its
// ARN. The local runtime serves the same machines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bucketPrefixes, stateMachineEnvName, type Catalog, type StateMachineDefinition } from '../../infra/catalog';
import { PROJECT_ROOT } from '../../infra/aws/catalog-function';
import { hasDistributedMap, stateMachinePhysicalName } from '../../infra/aws/catalog-state-machine';
import { loadLocalMachines } from '../../infra/local/stepfunctions/definitions';
import { stateMachineProblems } from '../../infra/state-machine-checks';
import { catalogsUnderTest, exerciseCatalog } from './support/exercise-catalog';
import { arnOf, lambdaOf, logicalId, resourcesOfType, synth, type Json } from './support/synth';

describe.each(catalogsUnderTest)('state machines of %s', (_title, catalog: Catalog) => {
  const s = synth(catalog);
  const machines = catalog.stateMachines;

  it('deploys one state machine per catalog entry, and the local runtime serves the same ones', () => {
    expect(resourcesOfType(s, 'AWS::StepFunctions::StateMachine')).toHaveLength(machines.length);
    const local = loadLocalMachines(PROJECT_ROOT, machines, catalog.functions, 'us-east-1');
    expect(local.map((m) => m.decl.name)).toEqual(machines.map((m) => m.name));
  });

  if (!machines.length) return;
  describe.each(machines.map((m) => [m.name, m] as const))('%s', (name, def: StateMachineDefinition) => {
    const construct = s.stack.stateMachines.get(name)!;
    const id = logicalId(construct.stateMachine);
    const props = s.resources[id]!.Properties!;

    it('follows the wiring rules: valid ASL (asl-validator), JSONPath, declared substitutions, Tasks only on granted functions', () => {
      expect(stateMachineProblems(PROJECT_ROOT, def, catalog.functions)).toEqual([]);
      if (catalog === exerciseCatalog && name.startsWith('fixture-')) return;
      expect(def.definitionFile).toBe(`state-machines/${name}.asl.json`);
    });

    it('is a STANDARD machine with its physical name, from its file with each substitution the ARN of its function', () => {
      expect(props).toMatchObject({
        StateMachineType: 'STANDARD',
        StateMachineName: stateMachinePhysicalName(s.stack, name),
      });
      expect(props.DefinitionSubstitutions).toEqual(
        Object.fromEntries(Object.entries(def.substitutions).map(([k, v]) => [k, arnOf(lambdaOf(s, v.function).id)])),
      );
      const file = JSON.parse(readFileSync(path.join(PROJECT_ROOT, def.definitionFile), 'utf8')) as Json;
      if (props.DefinitionString) {
        // A catalog timeout the file does not state is added to the file's definition, nothing else.
        expect(JSON.parse(props.DefinitionString as string)).toEqual({ ...file, TimeoutSeconds: def.timeoutSeconds });
      } else {
        expect(props.DefinitionS3Location).toBeDefined();
        expect(def.timeoutSeconds === undefined || file.TimeoutSeconds !== undefined).toBe(true);
      }
    });

    it('logs every event (ALL, with data) to its own log group with a retention, and traces with X-Ray', () => {
      const logGroupId = logicalId(construct.logGroup);
      expect(props.LoggingConfiguration).toEqual({
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf(logGroupId) } }],
        IncludeExecutionData: true,
        Level: 'ALL',
      });
      expect(s.resources[logGroupId]!.Properties!.RetentionInDays).toBeGreaterThan(0);
      expect(props.TracingConfiguration).toEqual({ Enabled: true });
    });

    it('has a role that may invoke exactly its functions (and deliver logs and traces)', () => {
      const roleId = (props.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect((s.resources[roleId]!.Properties!.AssumeRolePolicyDocument as Json).Statement[0].Principal).toEqual({
        Service: 'states.amazonaws.com',
      });
      const statements = resourcesOfType(s, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties!.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Json[]);
      const invoked = statements
        .filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'))
        .flatMap((st) => [st.Resource].flat())
        .map((r: Json) => JSON.stringify(r));
      const fns = [...new Set(Object.values(def.substitutions).map((v) => v.function))];
      const expected = fns.flatMap((f) => {
        const fnId = lambdaOf(s, f).id;
        return [JSON.stringify(arnOf(fnId)), JSON.stringify({ 'Fn::Join': ['', [arnOf(fnId), ':*']] })];
      });
      expect(invoked.sort()).toEqual(expected.sort());
      const other = statements
        .flatMap((st) => [st.Action].flat())
        .filter((a: string) => !a.startsWith('logs:') && !a.startsWith('xray:'));
      const file = JSON.parse(readFileSync(path.join(PROJECT_ROOT, def.definitionFile), 'utf8')) as Json;
      const buckets = Object.values(def.buckets ?? {}).map(bucketPrefixes);
      expect([...new Set(other)].sort()).toEqual(
        [
          'lambda:InvokeFunction',
          ...(buckets.length ? ['s3:ListBucket', 's3:GetObject'] : []),
          ...(buckets.some((b) => b.write.length)
            ? ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']
            : []),
          ...(hasDistributedMap(file)
            ? ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution']
            : []),
        ].sort(),
      );
      // A Distributed Map starts its child executions on this machine alone.
      const starts = statements.filter((st) => [st.Action].flat().includes('states:StartExecution'));
      for (const st of starts)
        expect(JSON.stringify(st.Resource)).toContain(`:stateMachine:${stateMachinePhysicalName(s.stack, name)}`);
    });

    it('alarms on failed and on timed-out executions, to the alarm topic', () => {
      for (const [metric, alarm] of [
        ['ExecutionsFailed', construct.failedAlarm],
        ['ExecutionsTimedOut', construct.timedOutAlarm],
      ] as const) {
        const p = s.resources[logicalId(alarm)]!.Properties!;
        expect(p).toMatchObject({
          MetricName: metric,
          Namespace: 'AWS/States',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
        expect(p.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: id } }]);
        expect(p.AlarmActions).toEqual([{ Ref: logicalId(s.stack.alarmTopic) }]);
      }
    });

    it('gives its ARN to the functions that may start, read, redrive or stop it, and to no other', () => {
      for (const fn of catalog.functions) {
        const access = fn.stateMachines ?? {};
        const listed = [access.start, access.read, access.redrive, access.stop].some((l) => l?.includes(name));
        const env = lambdaOf(s, fn.name).props.Environment.Variables as Record<string, unknown>;
        if (!listed) {
          expect(env[stateMachineEnvName(name)]).toBeUndefined();
          continue;
        }
        expect(env[stateMachineEnvName(name)]).toEqual({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              `:stateMachine:${stateMachinePhysicalName(s.stack, name)}`,
            ],
          ],
        });
      }
    });
  });
});

describe('the wiring rules catch', () => {
  const fixture = exerciseCatalog.stateMachines.find((m) => m.name === 'fixture-saga')!;

  it('a ${Name} that is not declared, and a substitution that names no catalog function', () => {
    const { StepFn: _dropped, ...rest } = fixture.substitutions;
    void _dropped;
    expect(stateMachineProblems(PROJECT_ROOT, { ...fixture, substitutions: rest }, exerciseCatalog.functions)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\$\{StepFn\} is not declared in its substitutions/)]),
    );
    const unknown = { ...fixture, substitutions: { ...fixture.substitutions, StepFn: { function: 'nope' } } };
    expect(stateMachineProblems(PROJECT_ROOT, unknown, exerciseCatalog.functions)).toEqual([
      expect.stringMatching(/\$\{StepFn\} names function nope, which the catalog does not declare/),
    ]);
  });

  it('a Task that invokes a function the catalog does not grant the machine', () => {
    const problems = stateMachineProblems(
      PROJECT_ROOT,
      {
        ...fixture,
        name: 'bad',
        definitionFile: 'test/fixtures/state-machines/ungranted-task.asl.json',
        substitutions: { StepFn: { function: 'fixture-mixed' } },
      },
      exerciseCatalog.functions,
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /Task Sneaky invokes "arn:aws:lambda:us-east-1:123456789012:function:someone-else", not a function the catalog grants it/,
      ),
    ]);
  });
});
