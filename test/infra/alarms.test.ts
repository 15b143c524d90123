// Nothing fails silently: every dead-letter queue and every function has an alarm that notifies
// the platform alarm topic, and every queue in the stack is a dead-letter queue of something.
import { isAsyncTrigger } from '../../infra/catalog';
import { catalogsUnderTest } from './support/exercise-catalog';
import { arnOf, lambdaOf, logicalId, ref, resourcesOfType, synth, type Json, type Synthesized } from './support/synth';

function alarmsOn(s: Synthesized, namespace: string, metric: string, dimension: Json): Json[] {
  const matches = (m: Json) =>
    m.Namespace === namespace &&
    m.MetricName === metric &&
    JSON.stringify(m.Dimensions) === JSON.stringify([dimension]);
  return resourcesOfType(s, 'AWS::CloudWatch::Alarm')
    .map(([, r]) => r.Properties!)
    .filter(
      (p) => matches(p) || ((p.Metrics ?? []) as Json[]).some((m) => m.MetricStat && matches(m.MetricStat.Metric)),
    );
}

describe.each(catalogsUnderTest)('alarms of %s', (_title, catalog) => {
  const s = synth(catalog);
  const alarmTopic = () => ref(logicalId(s.stack.alarmTopic));
  const queues = () => resourcesOfType(s, 'AWS::SQS::Queue');

  it('has a dead-letter queue per function and failure path, and no other queue', () => {
    const expected = catalog.functions.reduce(
      (n, fn) =>
        n + (fn.triggers.some(isAsyncTrigger) ? 1 : 0) + (fn.triggers.some((t) => t.kind === 'tableStream') ? 1 : 0),
      0,
    );
    // Plus the queue where redriven dead letters are parked for a person.
    const parked = catalog.functions.some((fn) => fn.triggers.some((t) => t.kind === 'deadLetters')) ? 1 : 0;
    expect(queues()).toHaveLength(expected + parked);
  });

  it('alarms as soon as any dead-letter queue holds a message, visible or between two redrives', () => {
    for (const [id, q] of queues()) {
      if (q.Properties?.RedrivePolicy) {
        const inFlight = alarmsOn(s, 'AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [id, 'QueueName'] },
        });
        expect(inFlight).toHaveLength(1);
        expect(JSON.stringify(inFlight[0].Metrics)).toContain('visible + inflight');
      }
      const alarms = alarmsOn(s, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [id, 'QueueName'] },
      });
      expect({ queue: id, alarms: alarms.length }).toEqual({ queue: id, alarms: 1 });
      expect(alarms[0]).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [alarmTopic()],
      });
    }
  });

  it('uses every queue as a dead-letter queue (Lambda, rule target, stream on-failure, or redrive policy)', () => {
    const text = JSON.stringify(
      Object.values(s.resources)
        .filter((r) =>
          ['AWS::Lambda::Function', 'AWS::Events::Rule', 'AWS::Lambda::EventSourceMapping', 'AWS::SQS::Queue'].includes(
            r.Type,
          ),
        )
        .map((r) => r.Properties),
    );
    for (const [id] of queues())
      expect({ queue: id, used: text.includes(JSON.stringify(arnOf(id))) }).toEqual({ queue: id, used: true });
  });

  it('keeps dead-letter messages 14 days, encrypted, reachable over TLS only', () => {
    for (const [id, q] of queues()) {
      expect(q.Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
      const policies = resourcesOfType(s, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
        JSON.stringify(p.Properties!.Queues).includes(JSON.stringify(ref(id))),
      );
      expect(policies.flatMap(([, p]) => p.Properties!.PolicyDocument.Statement)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it.each(catalog.functions.map((f) => [f.name]))('alarms when %s throws', (name) => {
    const { id } = lambdaOf(s, name);
    const alarms = alarmsOn(s, 'AWS/Lambda', 'Errors', { Name: 'FunctionName', Value: ref(id) });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [alarmTopic()],
    });
  });
});
