// The bus, the topics and what the stack tells its deployer (outputs).
import { pascalCase } from '../../infra/aws/catalog-function';
import { catalog } from '../../infra/catalog';
import { logicalId, ref, resourcesOfType, synth } from './support/synth';

describe('bus, topics and outputs', () => {
  const s = synth(catalog);

  it('creates the Nocturne bus under the catalog name, with an archive of its events', () => {
    const buses = resourcesOfType(s, 'AWS::Events::EventBus');
    expect(buses).toHaveLength(1);
    expect(buses[0]![1].Properties!.Name).toBe(catalog.busName);
    const archives = resourcesOfType(s, 'AWS::Events::Archive');
    expect(archives).toHaveLength(1);
    expect(archives[0]![1].Properties).toMatchObject({
      SourceArn: { 'Fn::GetAtt': [buses[0]![0], 'Arn'] },
      RetentionDays: expect.any(Number),
    });
  });

  it('creates one topic per catalog topic, with its display name', () => {
    for (const topic of catalog.topics) {
      const id = logicalId(s.stack.topics.get(topic.name)!);
      expect(s.resources[id]!.Properties!.DisplayName).toBe(topic.displayName);
    }
    // plus the platform alarm topic
    expect(resourcesOfType(s, 'AWS::SNS::Topic')).toHaveLength(catalog.topics.length + 1);
  });

  it('refuses publishing to any topic over plain HTTP', () => {
    for (const [id] of resourcesOfType(s, 'AWS::SNS::Topic')) {
      const policies = resourcesOfType(s, 'AWS::SNS::TopicPolicy').filter(([, p]) =>
        (p.Properties!.Topics as unknown[]).some((t) => JSON.stringify(t) === JSON.stringify(ref(id))),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]![1].Properties!.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('outputs the API URL, the user pool and client ids, the bus name and every topic ARN', () => {
    expect(Object.keys(s.outputs)).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'EventBusName',
        'AlarmTopicArn',
        ...catalog.topics.map((t) => `TopicArn${pascalCase(t.name)}`),
      ]),
    );
    expect(s.outputs.UserPoolId!.Value).toEqual(ref(logicalId(s.stack.api.userPool)));
    expect(s.outputs.UserPoolClientId!.Value).toEqual(ref(logicalId(s.stack.api.userPoolClient)));
    expect(s.outputs.EventBusName!.Value).toEqual(ref(logicalId(s.stack.bus)));
    for (const t of catalog.topics)
      expect(s.outputs[`TopicArn${pascalCase(t.name)}`]!.Value).toEqual(ref(logicalId(s.stack.topics.get(t.name)!)));
  });
});
