// Flip items become `nocturne.probes` events that satisfy their contract; nothing else does.
import { probeEventDetailSchema } from '../../../events/probes';
import { probeFlipEventFor } from '../../../shared/store/outbox/probe-flip-events';
import { flipItem } from '../../../shared/store/probe-history';
import { eventsForChange } from '../../../functions/outbox/mappers';

const item = flipItem(
  'job',
  'ocs-cdr',
  7,
  {
    condition: 'status',
    from: 'up',
    to: 'late',
    reason: 'not-on-time',
    effectiveAt: '2026-11-21T02:30:00.000Z',
    at: '2026-11-21T02:30:04.001Z',
  },
  {
    subjectName: 'OCS CDR transmission',
    jobType: 'Transmission',
    category: 'Rating',
    service: 'rating',
    team: 'mediation',
  },
);

describe('probe flip events', () => {
  it('an inserted flip is one Job State Changed event matching the contract', () => {
    const ev = probeFlipEventFor(undefined, JSON.parse(JSON.stringify(item)));
    expect(ev).toEqual(
      expect.objectContaining({
        source: 'nocturne.probes',
        detailType: 'Job State Changed',
        resources: ['nocturne:job/ocs-cdr'],
      }),
    );
    const parsed = probeEventDetailSchema.safeParse(ev!.detail);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(ev!.detail).toEqual(expect.objectContaining({ eventId: 'job:ocs-cdr:7:status', revision: 7 }));
  });

  it('the outbox maps it (and only once: its TTL deletion maps to nothing)', () => {
    expect(eventsForChange(undefined, item).map((e) => e.detailType)).toEqual(['Job State Changed']);
    expect(eventsForChange(item, undefined)).toEqual([]);
  });

  it('ignores other items', () => {
    expect(probeFlipEventFor(undefined, { type: 'JobState', status: 'down' })).toBeUndefined();
  });
});
