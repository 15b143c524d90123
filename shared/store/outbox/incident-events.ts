// Which event a committed change of an incident item means: the change recorded in
// `lastChange` at this revision, if any (joins and notes change the incident without an event).
import type { BusEvent } from '../../adapters/events';
import { INCIDENT_DETAIL_TYPES, INCIDENT_EVENT_SOURCE, type IncidentSnapshot } from '../../../events/incidents';
import type { Incident } from '../../domain/incidents/model';

type Image = Record<string, unknown> | undefined;

function snapshot(i: Incident): IncidentSnapshot {
  return {
    id: i.id,
    number: i.number,
    title: i.title,
    status: i.status,
    severity: i.severity,
    serviceId: i.serviceId,
    teamId: i.teamId,
    detectedAt: i.detectedAt,
    openedAt: i.openedAt,
    acknowledgedAt: i.acknowledgedAt,
    resolvedAt: i.resolvedAt,
    alertCount: i.alertCount,
    openAlertCount: i.openAlertCount,
    flapping: i.flapping,
    stormSize: i.stormSize,
    mergedInto: i.mergedInto,
    revision: i.revision,
  };
}

export function incidentEventFor(oldImage: Image, newImage: Image): BusEvent | undefined {
  if (!newImage || newImage.type !== 'Incident') return undefined;
  const i = newImage as unknown as Incident;
  const change = i.lastChange;
  if (!change || change.revision !== i.revision || (oldImage && oldImage.revision === i.revision)) return undefined;
  return {
    source: INCIDENT_EVENT_SOURCE,
    detailType: INCIDENT_DETAIL_TYPES[change.kind],
    time: change.at,
    resources: [`nocturne:incident/${i.id}`],
    detail: {
      version: 1,
      eventId: `${i.id}:${i.revision}`,
      occurredAt: change.at,
      notify: change.notify,
      actor: change.actor,
      ...(change.reason ? { reason: change.reason } : {}),
      change: change.change,
      incident: snapshot(i),
    },
  };
}
