// Demo postmortem: a resolved P1 incident of billing-api from 10 days ago (alerts, a page to Alice, an
// acknowledgement, notes, a mitigation and the resolution, written through the incident store and
// actions) and its postmortem draft generated from that record; and the ticket category that
// postmortem action items are opened in. Create-if-missing: restarts keep what is there.
import { createPostmortem } from '../../../shared/app/postmortems/commands';
import { acknowledgeIncident, noteIncident, resolveIncident } from '../../../shared/app/incidents/actions';
import type { Incident, TimelineEntry } from '../../../shared/domain/incidents/model';
import { tableName } from '../../../shared/store/client';
import { createIncident, getIncident, mutateIncident, nextIncidentNumber } from '../../../shared/store/incidents';
import { incidentKeys } from '../../../shared/store/keys';
import { claimPages, markPageSent, pageKey, type PageAttempt } from '../../../shared/store/oncall-pages';
import { ensureConfig } from '../../../shared/store/ticket-config';
import type { DemoSeedContext } from './index';

export const DEMO_POSTMORTEM_INCIDENT_ID = 'demo-p1-billing-outage';
export const POSTMORTEM_CATEGORY = {
  id: 'postmortem-action',
  name: 'Postmortem action item',
  description: 'Corrective and preventive actions from postmortems (docs/postmortems.md).',
  fields: [],
  defaultPriority: 'P3' as const,
  requiredSkills: [],
  reopenWindowHours: 168,
  notify: {},
  requesterVisible: false,
  emailAddresses: [],
};

const at = (base: number, minutes: number) => new Date(base + minutes * 60_000);
const SYSTEM = { type: 'system' as const, id: 'demo' };

/**
 * A resolved P1 incident with a full record, opened `hoursAgo` hours before `now`: 2 alerts, a page
 * sent to alice, acknowledged by alice after 4 minutes, two notes, mitigated after 25 and resolved
 * after 40 minutes. Does nothing when the incident exists. The demo's is 10 days old, so the
 * incident lists' default window (7 days) and the tests that count recent incidents do not see it.
 */
export async function givenResolvedP1Incident(
  id: string,
  now: Date,
  opts: { hoursAgo?: number; serviceId?: string } = {},
): Promise<Incident> {
  const hoursAgo = opts.hoursAgo ?? 240;
  const serviceId = opts.serviceId ?? 'billing-api';
  const existing = await getIncident(id);
  if (existing) return existing;
  const base = now.getTime() - hoursAgo * 3600_000;
  const opened = at(base, 0).toISOString();
  const number = await nextIncidentNumber();
  const incident: Incident = {
    id,
    number,
    title: 'Billing API returns 5xx for all invoice requests',
    status: 'triggered',
    severity: 'P1',
    serviceId,
    teamId: 'platform',
    detectedAt: at(base, -2).toISOString(),
    openedAt: opened,
    alertCount: 2,
    openAlertCount: 0,
    relatedAlertCount: 0,
    flapping: false,
    storm: false,
    mergedFrom: [],
    routeId: 'billing',
    groupKey: `service=${serviceId}`,
    groupHash: `demo-${id}`,
    grouping: { groupWaitSeconds: 30, groupIntervalSeconds: 300, autoResolve: false, reopenWindowMinutes: 0 },
    revision: 1,
  };
  const alerts = [
    { alertId: `${id}-a1`, summary: `${serviceId} 5xx ratio above 20%`, severity: 'critical', minute: 0 },
    { alertId: `${id}-a2`, summary: `${serviceId} p99 latency above 2 s`, severity: 'warning', minute: 1 },
  ];
  const timeline: TimelineEntry[] = [
    { at: opened, actor: SYSTEM, kind: 'opened', message: `Opened by route billing (service=${serviceId})` },
  ];
  await createIncident(
    incident,
    timeline,
    alerts.map((a) => ({
      Put: {
        TableName: tableName(),
        Item: {
          ...incidentKeys.link(id, a.alertId),
          type: 'IncidentAlert',
          alertId: a.alertId,
          integrationId: 'demo-alertmanager',
          dedupKey: a.alertId,
          summary: a.summary,
          severity: a.severity,
          status: 'resolved',
          relation: 'member',
          joinedAt: at(base, a.minute).toISOString(),
          resolvedAt: at(base, 39).toISOString(),
        },
      },
    })),
  );
  const page: PageAttempt = {
    key: '',
    incidentId: id,
    incidentNumber: number,
    epoch: 1,
    round: 1,
    level: 1,
    userId: 'alice',
    userName: 'Alice Adams',
    channel: 'sms',
    contactMethodId: 'alice-sms',
    address: '+15550100',
    status: 'claimed',
    attempts: 0,
    claimedAt: at(base, 0.5).toISOString(),
    message: `[P1] #${number} ${incident.title}`,
  };
  page.key = pageKey(page);
  await claimPages([page], at(base, 0.5));
  await markPageSent(id, page.key, 1, 'demo-message-1', at(base, 0.6).toISOString());
  const alice = { type: 'user' as const, id: 'alice', name: 'Alice Adams' };
  await acknowledgeIncident(id, alice, at(base, 4));
  await noteIncident(
    id,
    'Invoice requests fail with connection pool exhausted; rolling back release 2026.11.2.',
    alice,
    at(base, 10),
  );
  await noteIncident(id, 'Rollback done; error ratio falling.', alice, at(base, 24));
  await mutateIncident(id, at(base, 25).toISOString(), (i) => ({
    incident: { ...i },
    timeline: [
      { at: at(base, 25).toISOString(), actor: alice, kind: 'mitigated', message: 'Error ratio back under 1%' },
    ],
  }));
  return resolveIncident(id, alice, at(base, 40), 'Rolled back 2026.11.2; pool size fixed in 2026.11.3.');
}

export async function seedPostmortemDemo({ now }: DemoSeedContext): Promise<void> {
  await ensureConfig('category', POSTMORTEM_CATEGORY, now);
  const clock = new Date(now);
  await givenResolvedP1Incident(DEMO_POSTMORTEM_INCIDENT_ID, clock);
  await createPostmortem({
    incidentId: DEMO_POSTMORTEM_INCIDENT_ID,
    by: { type: 'system', id: 'demo' },
    now: clock,
    ifMissing: true,
  });
}
