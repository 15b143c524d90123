import { MalformedPayloadError, ValidationError } from '../../../shared/domain/errors';
import {
  normalizeCloudWatch,
  normalizeCloudWatchAlarm,
  parseSnsEnvelope,
  snsStringToSign,
} from '../../../shared/domain/normalizers/cloudwatch';
import { ctx, expectCanonical, fixtureJson, fixturePayload, fixtureText, payload, thrown } from './fixtures';

const alarm = () => fixtureJson<Record<string, unknown>>('cloudwatch', 'alarm-message.json');

describe('SNS envelope', () => {
  it('parses a Notification and a SubscriptionConfirmation', () => {
    const n = parseSnsEnvelope(fixtureText('cloudwatch', 'notification-alarm.json'));
    const c = parseSnsEnvelope(fixtureText('cloudwatch', 'subscription-confirmation.json'));

    expect(n).toMatchObject({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:nocturne-alarms',
      SignatureVersion: '1',
    });
    expect(c).toMatchObject({
      Type: 'SubscriptionConfirmation',
      SubscribeURL: expect.stringContaining('Action=ConfirmSubscription'),
    });
  });

  it('builds the string to sign in AWS field order, with Subject only when present', () => {
    const n = parseSnsEnvelope(fixtureText('cloudwatch', 'notification-alarm.json'));
    const lines = snsStringToSign(n).split('\n');
    expect(lines.filter((_, i) => i % 2 === 0).slice(0, 6)).toEqual([
      'Message',
      'MessageId',
      'Subject',
      'Timestamp',
      'TopicArn',
      'Type',
    ]);
    expect(snsStringToSign(n).endsWith('Type\nNotification\n')).toBe(true);

    const { Subject: _, ...noSubject } = n as typeof n & { Subject?: string };
    expect(snsStringToSign(noSubject as typeof n)).not.toContain('Subject\n');

    const c = parseSnsEnvelope(fixtureText('cloudwatch', 'subscription-confirmation.json'));
    if (c.Type !== 'SubscriptionConfirmation') throw new Error('fixture is a SubscriptionConfirmation');
    expect(snsStringToSign(c)).toBe(
      `Message\n${c.Message}\nMessageId\n${c.MessageId}\nSubscribeURL\n${c.SubscribeURL}\nTimestamp\n${c.Timestamp}\n` +
        `Token\n${c.Token}\nTopicArn\n${c.TopicArn}\nType\nSubscriptionConfirmation\n`,
    );
  });

  it.each([
    ['Type', { Type: 'Notice' }],
    ['SignatureVersion', { SignatureVersion: '3' }],
    ['TopicArn', { TopicArn: undefined }],
    ['Signature', { Signature: '' }],
  ])('rejects an envelope with a wrong %s', (field, change) => {
    const body = { ...fixtureJson('cloudwatch', 'notification-alarm.json'), ...change };
    const err = thrown(() => parseSnsEnvelope(JSON.stringify(body)));

    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain(field);
  });

  it('requires Token and SubscribeURL on a confirmation', () => {
    const { Token: _, ...body } = fixtureJson('cloudwatch', 'subscription-confirmation.json');
    expect(thrown(() => parseSnsEnvelope(body)).issues?.map((i) => i.field)).toContain('Token');
  });
});

describe('CloudWatch alarm normalizer', () => {
  it('turns ALARM into a firing alert keyed by the alarm ARN', () => {
    const alerts = normalizeCloudWatchAlarm(alarm(), ctx);

    expectCanonical(alerts);
    expect(alerts[0]).toMatchObject({
      source: 'cloudwatch',
      dedupKey: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:billing-api-5xx-rate',
      status: 'firing',
      action: 'trigger',
      severity: 'critical',
      summary: expect.stringMatching(/^billing-api-5xx-rate is ALARM: Threshold Crossed/),
      startsAt: '2024-03-05T10:04:11.123Z',
      resource: 'ApiName=billing-api,Stage=prod',
      service: 'billing-platform',
      labels: {
        aws_account: '123456789012',
        aws_region: 'eu-west-1',
        namespace: 'AWS/ApiGateway',
        metric: '5XXError',
        state: 'ALARM',
        'dimension.ApiName': 'billing-api',
        'dimension.Stage': 'prod',
      },
      links: [
        {
          href: expect.stringContaining(
            'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/',
          ),
          text: 'CloudWatch alarm',
        },
      ],
    });
  });

  it('reads the alarm from a Notification, keeping the SNS ids in details', () => {
    const [a] = normalizeCloudWatch(fixturePayload('cloudwatch', 'notification-alarm.json'), ctx);

    expect(a).toMatchObject({
      status: 'firing',
      dedupKey: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:billing-api-5xx-rate',
    });
    expect(a!.details).toMatchObject({
      snsMessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      snsSubject: expect.stringContaining('ALARM'),
    });
  });

  it('resolves on OK at the state change time', () => {
    const [a] = normalizeCloudWatch(fixturePayload('cloudwatch', 'notification-ok.json'), ctx);

    expect(a).toMatchObject({ status: 'resolved', action: 'resolve', endsAt: '2024-03-05T10:31:11.456Z' });
  });

  it('fires INSUFFICIENT_DATA as a warning, keyed by account, region and name when the ARN is absent', () => {
    const [a] = normalizeCloudWatchAlarm(fixtureJson('cloudwatch', 'alarm-insufficient-data.json'), ctx);

    expect(a).toMatchObject({
      status: 'firing',
      severity: 'warning',
      dedupKey: '123456789012|US East (N. Virginia)|usage-export-heartbeat',
      links: [],
    });
  });

  it('defaults ALARM severity to error when the description names none', () => {
    expect(normalizeCloudWatchAlarm({ ...alarm(), AlarmDescription: null }, ctx)[0]!.severity).toBe('error');
    expect(normalizeCloudWatchAlarm({ ...alarm(), AlarmDescription: 'severity=warning' }, ctx)[0]!.severity).toBe(
      'warning',
    );
  });

  it('accepts the alarm as JSON text too', () => {
    expect(normalizeCloudWatchAlarm(JSON.stringify(alarm()), ctx)).toEqual(normalizeCloudWatchAlarm(alarm(), ctx));
  });

  it.each([
    ['Message.NewStateValue', { NewStateValue: 'BROKEN' }],
    ['Message.AlarmName', { AlarmName: undefined }],
    ['Message.Trigger.Dimensions', { Trigger: { Dimensions: 'InstanceId=i-1' } }],
  ])('rejects an alarm with a wrong %s', (field, change) => {
    const err = thrown(() => normalizeCloudWatchAlarm({ ...alarm(), ...change }, ctx));

    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain(field);
  });

  it('rejects a confirmation, and a Message that is not JSON, naming the field', () => {
    expect(
      thrown(() => normalizeCloudWatch(fixturePayload('cloudwatch', 'subscription-confirmation.json'), ctx)).issues?.[0]
        ?.field,
    ).toBe('Type');

    const body = { ...fixtureJson('cloudwatch', 'notification-alarm.json'), Message: 'Hello world!' };
    const err = thrown(() => normalizeCloudWatch(payload(JSON.stringify(body)), ctx));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.[0]?.field).toBe('Message');
  });

  it('rejects a body that is not JSON with MalformedPayloadError', () => {
    expect(thrown(() => normalizeCloudWatch(payload('Type=Notification'), ctx))).toBeInstanceOf(MalformedPayloadError);
  });
});
