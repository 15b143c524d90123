// From alert to page and back, through the whole local runtime with the demo configuration:
// Alertmanager webhook → alert → stream outbox → bus → incident engine → group window timer →
// Incident Opened → paging function → SMS and email to the demo schedule's on-call person in
// sns.jsonl → the SMS's ack link acknowledges → no further page, not even when later levels are due.
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { demoUsers } from '../../infra/local/demo/oncall';
import { amPayload } from '../support/alertmanager';
import { startTestRuntime, type TestRuntime } from '../support/local';

let rt: TestRuntime;
const VIEWER = 'demo-viewer-token';

beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true });
});
afterAll(async () => {
  await rt?.stop();
});

async function sweepAhead(seconds: number): Promise<void> {
  await rt.settle();
  await sweepOnce(() => new Date(Date.now() + seconds * 1000), { handlers: timerHandlers });
  await rt.settle();
}

const pagesFor = (incidentId: string) =>
  rt.snsMessages().filter((m) => m.topic === 'pages' && m.attributes.incident === incidentId);

it('an Alertmanager alert pages the on-call person by SMS and email; the SMS link acknowledges; nothing more is sent', async () => {
  // Prepare: who is on call now in the demo schedule.
  const oncall = (await (await rt.request('GET', '/schedules/platform-primary/oncall', { token: VIEWER })).json()) as {
    onCall: { userId: string };
  };
  const person = demoUsers.find((u) => u.id === oncall.onCall.userId)!;
  const phone = person.contactMethods.find((m) => m.type === 'sms')!.address;
  const email = person.contactMethods.find((m) => m.type === 'email')!.address;

  // Act: the alert arrives; the group window closes.
  const hook = await rt.request('POST', '/hooks/demo-alertmanager', {
    token: 'demo-alertmanager-token',
    body: amPayload([
      {
        labels: {
          alertname: 'InvoiceRunStalled',
          service: 'billing-api',
          instance: 'billing-api-1',
          severity: 'critical',
        },
        summary: 'Invoice run stalled for 15 minutes',
      },
    ]),
  });
  expect(hook.status).toBe(202);
  await sweepAhead(31);

  // Assess: one incident, paged to the on-call person by SMS and email.
  const list = (await (await rt.request('GET', '/incidents?service=billing-api', { token: VIEWER })).json()) as {
    items: Array<{ id: string; number: number; status: string }>;
  };
  expect(list.items).toHaveLength(1);
  const incident = list.items[0]!;
  const pages = pagesFor(incident.id);
  expect(pages.map((p) => [p.attributes.recipient, p.attributes.channel, p.attributes.address]).sort()).toEqual(
    [
      [person.id, 'email', email],
      [person.id, 'sms', phone],
    ].sort(),
  );
  const sms = pages.find((p) => p.attributes.channel === 'sms')!.messages!.sms!;
  expect(sms.length).toBeLessThan(160);
  expect(sms).toMatch(new RegExp(`^#${incident.number} P1 Billing API: Invoice run stalled`));
  const mail = pages.find((p) => p.attributes.channel === 'email')!;
  expect(mail.subject).toContain(`#${incident.number}`);
  expect(mail.messages!.email).toContain('Invoice run stalled for 15 minutes');

  // The ack link: GET confirms without acting, POST acknowledges.
  const link = /Ack: (\S+)$/.exec(sms)![1]!;
  expect(link.startsWith(`${rt.url}/act/`)).toBe(true);
  const confirm = await rt.request('GET', link.slice(rt.url.length));
  expect(confirm.status).toBe(200);
  expect(await confirm.text()).toContain('<form method="post">');
  const acked = await rt.request('POST', link.slice(rt.url.length));
  expect(acked.status).toBe(200);
  expect(await acked.json()).toMatchObject({
    action: 'acknowledge',
    incident: { id: incident.id, status: 'acknowledged' },
  });
  await rt.settle();

  // Level 2 (5 min), the team level and round 2 fall due: nobody is paged again.
  await sweepAhead(6 * 60);
  await sweepAhead(20 * 60);
  expect(pagesFor(incident.id)).toHaveLength(2);
  const detail = (await (await rt.request('GET', `/incidents/${incident.id}`, { token: VIEWER })).json()) as {
    status: string;
    timeline: Array<{ kind: string; message: string }>;
  };
  expect(detail.status).toBe('acknowledged');
  expect(detail.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['escalation', 'acknowledged']));
  expect(detail.timeline.find((e) => e.kind === 'acknowledged')!.message).toBe(`Acknowledged by ${person.name}`);
  const log = (await (await rt.request('GET', `/incidents/${incident.id}/pages`, { token: VIEWER })).json()) as {
    pages: Array<{ status: string }>;
  };
  expect(log.pages.map((p) => p.status)).toEqual(['sent', 'sent']);
  // A status subscriber of billing-api heard of the opening.
  expect(
    rt
      .snsMessages()
      .filter((m) => m.topic === 'stakeholders' && m.attributes.incident === incident.id)
      .map((m) => m.attributes.event),
  ).toEqual(['opened']);
});
