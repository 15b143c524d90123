// Which event a committed flip item means. Pure, like shared/store/outbox/alert-events.ts: given the
// stream's old and new images, return the event to publish. Flip items are written once
// (insert only), so only inserts map; their TTL deletion maps to nothing.
import type { BusEvent } from '../../adapters/events';
import { PROBE_DETAIL_TYPES, PROBE_EVENT_SOURCE, type ProbeEventDetail } from '../../../events/probes';

type Image = Record<string, unknown> | undefined;

export const FLIP_ITEM_TYPE = 'ProbeFlip';

export function probeFlipEventFor(oldImage: Image, newImage: Image): BusEvent | undefined {
  if (!newImage || oldImage || newImage.type !== FLIP_ITEM_TYPE) return undefined;
  const s = (k: string) => newImage[k] as string | undefined;
  const kind = s('subjectKind') === 'job' ? 'job' : 'probe';
  const detail: ProbeEventDetail = {
    version: 1,
    eventId: `${kind}:${s('subjectId')}:${String(newImage.revision)}:${s('condition')}`,
    occurredAt: s('at')!,
    subject: {
      kind,
      id: s('subjectId')!,
      name: s('subjectName') ?? s('subjectId')!,
      probeKind: s('probeKind') as ProbeEventDetail['subject']['probeKind'],
      type: s('jobType'),
      category: s('category'),
      service: s('service'),
      team: s('team'),
    },
    change: {
      condition: s('condition') as ProbeEventDetail['change']['condition'],
      from: s('from')!,
      to: s('to')!,
      reason: s('reason'),
      effectiveAt: s('effectiveAt')!,
    },
    revision: Number(newImage.revision),
  };
  return {
    source: PROBE_EVENT_SOURCE,
    detailType: PROBE_DETAIL_TYPES[kind],
    time: detail.occurredAt,
    resources: [`nocturne:${kind}/${detail.subject.id}`],
    detail: detail as unknown as Record<string, unknown>,
  };
}
