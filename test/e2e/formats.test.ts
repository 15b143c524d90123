// Every supported monitor format, from its real payload, through the whole local runtime:
// the webhook answers 202 and the alert shows up through GET /alerts. CloudWatch goes through
// the SNS subscription handshake and a signed notification. Then mutated payloads through the
// real HTTP path: always a 2xx or a 4xx, never a 5xx.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { setHttpGetter } from '../../shared/adapters/https';
import type { AlertSource } from '../../shared/domain/alert';
import { parseSnsEnvelope } from '../../shared/domain/normalizers/cloudwatch';
import { contentTypeOf, fixtureJson, fixtureText } from '../unit/normalizers/fixtures';
import { startTestRuntime, type TestRuntime } from '../support/local';
import { makeSigner, signed, type Signer } from '../support/sns';

let rt: TestRuntime;
let dir: string;
let aws: Signer;
const fetched: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nocturne-formats-'));
  aws = makeSigner(dir, 'aws');
  setHttpGetter({
    async get(url) {
      fetched.push(url);
      if (url.endsWith('.pem')) return { status: 200, body: aws.certificatePem };
      if (url.includes('Action=ConfirmSubscription')) return { status: 200, body: '<ConfirmSubscriptionResponse/>' };
      return { status: 404, body: '' };
    },
  });
  rt = await startTestRuntime({ seedDemo: true });
});

afterAll(async () => {
  setHttpGetter(undefined);
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const VIEWER = 'demo-viewer-token';

async function alertsOf(integration: string): Promise<Array<Record<string, unknown>>> {
  const r = await rt.request('GET', `/alerts?integration=${integration}&limit=200`, { token: VIEWER });
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: Array<Record<string, unknown>> }).items;
}

const webhookCases: Array<[AlertSource, string]> = [
  ['alertmanager', 'firing.json'],
  ['grafana', 'firing.json'],
  ['datadog', 'triggered.json'],
  ['datadog', 'warn-form.txt'],
  ['zabbix', 'problem.json'],
  ['nagios', 'service-problem.txt'],
  ['nagios', 'host-down.json'],
  ['generic', 'single.json'],
];

describe('every format from its real payload shows up through GET /alerts', () => {
  it.each(webhookCases)('%s %s', async (source, file) => {
    const r = await rt.request('POST', `/hooks/demo-${source}`, {
      token: `demo-${source}-token`,
      body: fixtureText(source, file),
      headers: { 'content-type': contentTypeOf(file) },
    });
    expect(r.status).toBe(202);
    const answer = (await r.json()) as { alerts: Array<{ alertId: string; outcome: string }> };
    expect(answer.alerts.length).toBeGreaterThan(0);
    const stored = await alertsOf(`demo-${source}`);
    for (const a of answer.alerts.filter((x) => x.alertId)) expect(stored.map((s) => s.id)).toContain(a.alertId);
    const one = await rt.request('GET', `/alerts/${answer.alerts[0]!.alertId}`, { token: VIEWER });
    expect(((await one.json()) as { rawPayload: { body: string } }).rawPayload.body).toBe(fixtureText(source, file));
  });

  it('PagerDuty Events v2: trigger, acknowledge and resolve through /v2/enqueue', async () => {
    const send = async (file: string) => {
      const body = { ...fixtureJson<Record<string, unknown>>('pagerduty', file), routing_key: 'demo-pagerduty-token' };
      return rt.request('POST', '/v2/enqueue', { body });
    };
    const t = await send('trigger.json');
    expect(t.status).toBe(202);
    const trig = (await t.json()) as { status: string; dedup_key: string };
    expect(trig).toMatchObject({ status: 'success', message: 'Event processed' });
    expect((await alertsOf('demo-pagerduty')).map((a) => a.dedupKey)).toContain(trig.dedup_key);
    expect((await send('acknowledge.json')).status).toBe(202);
    expect((await send('resolve.json')).status).toBe(202);
    const bad = await rt.request('POST', '/v2/enqueue', {
      body: { routing_key: 'demo-pagerduty-token', event_action: 'trigger' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'invalid event', errors: expect.any(Array) });
    const wrongKey = await rt.request('POST', '/v2/enqueue', {
      body: { ...fixtureJson<Record<string, unknown>>('pagerduty', 'trigger.json'), routing_key: 'nope' },
    });
    expect(wrongKey.status).toBe(400);
  });

  it('CloudWatch via SNS: confirms the subscription for an allowed topic, then takes signed alarms', async () => {
    const confirmation = parseSnsEnvelope(fixtureJson('cloudwatch', 'subscription-confirmation.json'));
    const notification = parseSnsEnvelope(fixtureJson('cloudwatch', 'notification-alarm.json'));
    const post = (envelope: unknown) =>
      rt.request('POST', '/hooks/demo-cloudwatch?token=demo-cloudwatch-token', {
        body: envelope,
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': String((envelope as { Type: string }).Type),
        },
      });
    // Not yet allowed: refused, and SNS is not told anything.
    expect((await post(signed(confirmation, aws, '1'))).status).toBe(403);
    const patch = await rt.request('PATCH', '/integrations/demo-cloudwatch', {
      token: 'demo-admin-token',
      body: { allowedTopicArns: ['arn:aws:sns:us-east-1:123456789012:nocturne-demo-alarms', confirmation.TopicArn] },
    });
    expect(patch.status).toBe(200);
    const ok = await post(signed(confirmation, aws, '2'));
    expect(ok.status).toBe(200);
    expect(fetched.some((u) => u.startsWith('https://sns.') && u.includes('Action=ConfirmSubscription'))).toBe(true);
    const alarm = await post(signed(notification, aws, '1'));
    expect(alarm.status).toBe(202);
    expect((await alertsOf('demo-cloudwatch')).length).toBeGreaterThan(0);
    const tampered = { ...signed(notification, aws, '1'), Message: notification.Message.replace('ALARM', 'OK') };
    expect((await post(tampered)).status).toBe(403);
  });
});

describe('mutated payloads through the real HTTP path', () => {
  const sources: Array<[AlertSource, string]> = [...webhookCases, ['cloudwatch', 'notification-alarm.json']];
  it('always answer 2xx or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sources),
        fc.oneof(fc.constant('drop'), fc.constant('truncate'), fc.constant('retype'), fc.constant('garbage')),
        fc.nat(),
        fc.string({ maxLength: 40 }),
        async ([source, file], mutation, n, junk) => {
          const text = fixtureText(source, file);
          let body = text;
          if (mutation === 'truncate') body = text.slice(0, n % Math.max(1, text.length));
          else if (mutation === 'garbage') body = junk;
          else if (file.endsWith('.json')) {
            const value = JSON.parse(text) as Record<string, unknown>;
            const keys = Object.keys(value);
            const k = keys[n % keys.length]!;
            if (mutation === 'drop') delete value[k];
            else value[k] = [junk, n, null][n % 3];
            body = JSON.stringify(value);
          } else body = text.replace(/=[^&]*/, `=${encodeURIComponent(junk)}`);
          const r = await rt.request('POST', `/hooks/demo-${source}`, {
            token: `demo-${source}-token`,
            body,
            headers: { 'content-type': contentTypeOf(file) },
          });
          await r.arrayBuffer();
          expect(r.status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
  });
});
