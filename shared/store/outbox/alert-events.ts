// Which event a committed change of an alert item means. Pure: given the stream's old and new
// images, return the one event to publish (or none: the delete half of a resolve move, or a
// repeat that changed nothing a subscriber reads).
import { isDeepStrictEqual } from 'node:util';
import type { BusEvent } from '../../adapters/events';
import { ALERT_DETAIL_TYPES, ALERT_EVENT_SOURCE, type AlertSnapshot } from '../../../events/alerts';
import { matchLabels, type LabelledAlert } from '../../domain/incidents/labels';

type Image = Record<string, unknown> | undefined;

function snapshot(item: Record<string, unknown>): AlertSnapshot {
  const pick = (k: string) => item[k] as never;
  return {
    id: pick('id'),
    integrationId: pick('integrationId'),
    source: pick('source'),
    dedupKey: pick('dedupKey'),
    status: pick('status'),
    severity: pick('severity'),
    summary: pick('summary'),
    service: pick('service'),
    resource: pick('resource'),
    labels: (item.labels as Record<string, string>) ?? {},
    links: (item.links as AlertSnapshot['links']) ?? [],
    startsAt: pick('startsAt'),
    endsAt: pick('endsAt'),
    count: pick('count'),
    firstReceivedAt: pick('firstReceivedAt'),
    lastReceivedAt: pick('lastReceivedAt'),
    acknowledgedAt: pick('acknowledgedAt'),
    resolvedAt: pick('resolvedAt'),
    revision: pick('revision'),
  };
}

function detailTypeFor(oldImage: Image, newImage: Record<string, unknown>): string {
  if (newImage.status === 'resolved') return ALERT_DETAIL_TYPES.resolved;
  if (!oldImage) return ALERT_DETAIL_TYPES.opened;
  if (newImage.acknowledgedAt && !oldImage.acknowledgedAt) return ALERT_DETAIL_TYPES.acknowledged;
  return ALERT_DETAIL_TYPES.repeated;
}

/**
 * Whether a repeat changed what places the alert. The one subscriber of `Alert Repeated`, the
 * incident engine, reads of a repeat only the label set its rules match on (the alert's labels
 * plus source, integration, severity, service, resource, and the summary when there is no
 * `alertname` label) to raise its incident's severity; a repeat that moves only the count,
 * last-seen, payload id, details, links or a summary that names nothing is no event (docs/events.md).
 */
export function repeatChangedPlacement(oldImage: Record<string, unknown>, newImage: Record<string, unknown>): boolean {
  const labelled = (item: Record<string, unknown>) =>
    matchLabels({ ...item, labels: (item.labels as Record<string, string>) ?? {} } as unknown as LabelledAlert);
  return oldImage.status !== newImage.status || !isDeepStrictEqual(labelled(oldImage), labelled(newImage));
}

export function alertEventFor(oldImage: Image, newImage: Image): BusEvent | undefined {
  if (!newImage || newImage.type !== 'Alert') return undefined;
  // A resolved alert is archived by inserting a new item; a later modify of that archive (none
  // today) would not be a new state change of the alert.
  if (newImage.status === 'resolved' && oldImage) return undefined;
  // A change of the item that is no change of the alert (its revision did not move: an index
  // backfill, decision 0090) is no event.
  if (oldImage && oldImage.revision === newImage.revision) return undefined;
  const detailType = detailTypeFor(oldImage, newImage);
  if (detailType === ALERT_DETAIL_TYPES.repeated && !repeatChangedPlacement(oldImage!, newImage)) return undefined;
  const alert = snapshot(newImage);
  return {
    source: ALERT_EVENT_SOURCE,
    detailType,
    time: alert.lastReceivedAt,
    resources: [`nocturne:alert/${alert.id}`],
    detail: { version: 1, eventId: `${alert.id}:${alert.revision}`, occurredAt: alert.lastReceivedAt, alert },
  };
}
