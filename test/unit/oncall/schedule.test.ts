// Schedules: rotations, restrictions, layers and overrides, and daylight-saving changes in four
// zones (handoffs keep their wall-clock time; the shift across a change is 23 or 25 real hours).
import fc from 'fast-check';
import {
  createScheduleSchema,
  finalShifts,
  inZone,
  onCallAt,
  type Layer,
  type ScheduleShape,
} from '../../../shared/domain/oncall/schedule';

const HOUR = 3600000;

function layer(over: Partial<Layer> & Pick<Layer, 'start'>): Layer {
  return {
    id: 'primary',
    participants: ['alice', 'bob'],
    rotation: { every: 1, unit: 'days' },
    restrictions: [],
    ...over,
  };
}

function schedule(timeZone: string, layers: Layer[], overrides: ScheduleShape['overrides'] = []): ScheduleShape {
  return { timeZone, layers, overrides };
}

const hoursOf = (s: { start: string; end: string }) => (Date.parse(s.end) - Date.parse(s.start)) / HOUR;

describe('daily rotation across daylight-saving changes', () => {
  it('Europe/London: the 09:00 handoff stays at 09:00 local; the shift across spring-forward is 23 real hours, across fall-back 25', () => {
    const s = schedule('Europe/London', [layer({ start: '2026-03-27T09:00' })]);
    const spring = finalShifts(s, new Date('2026-03-28T00:00:00Z'), new Date('2026-03-31T00:00:00Z'));
    expect(spring.map((x) => [x.userId, x.start])).toEqual([
      ['alice', '2026-03-28T00:00:00.000Z'],
      ['bob', '2026-03-28T09:00:00.000Z'], // 09:00 GMT
      ['alice', '2026-03-29T08:00:00.000Z'], // 09:00 BST
      ['bob', '2026-03-30T08:00:00.000Z'],
    ]);
    expect(hoursOf(spring[1]!)).toBe(23);
    expect(spring.slice(1).map((x) => inZone(x.start, 'Europe/London').slice(11, 16))).toEqual([
      '09:00',
      '09:00',
      '09:00',
    ]);

    // Clocks go back on Sunday 25 October: Saturday's 09:00 BST shift ends Sunday 09:00 GMT.
    const autumn = finalShifts(s, new Date('2026-10-24T00:00:00Z'), new Date('2026-10-27T00:00:00Z'));
    const across = autumn.find((x) => x.start === '2026-10-24T08:00:00.000Z')!;
    expect(across.end).toBe('2026-10-25T09:00:00.000Z');
    expect(hoursOf(across)).toBe(25);
  });

  it('America/New_York: a 24-hour shift and a 1-day shift both hand off at 09:00 local, 23 real hours across spring-forward', () => {
    for (const rotation of [
      { every: 24, unit: 'hours' as const },
      { every: 1, unit: 'days' as const },
    ]) {
      const s = schedule('America/New_York', [layer({ start: '2026-03-06T09:00', rotation })]);
      const shifts = finalShifts(s, new Date('2026-03-07T14:00:00Z'), new Date('2026-03-09T14:00:00Z'));
      expect(shifts.map((x) => x.start)).toEqual([
        '2026-03-07T14:00:00.000Z',
        '2026-03-08T13:00:00.000Z',
        '2026-03-09T13:00:00.000Z',
      ]);
      expect(hoursOf(shifts[0]!)).toBe(23);
      expect(shifts.map((x) => x.userId)).toEqual(['bob', 'alice', 'bob']);
    }
  });

  it('America/New_York: 12-hour shifts keep 08:00 and 20:00 local across fall-back', () => {
    const s = schedule('America/New_York', [
      layer({ start: '2026-10-30T08:00', rotation: { every: 12, unit: 'hours' } }),
    ]);
    const shifts = finalShifts(s, new Date('2026-10-31T12:00:00Z'), new Date('2026-11-02T13:00:00Z'));
    expect(shifts.map((x) => inZone(x.start, 'America/New_York').slice(11, 16))).toEqual([
      '08:00',
      '20:00',
      '08:00',
      '20:00',
    ]);
    // 20:00 EDT Saturday → 08:00 EST Sunday is 13 real hours (the night is an hour longer).
    expect(hoursOf(shifts[1]!)).toBe(13);
  });

  it('Asia/Singapore (no daylight saving): every shift is 24 hours, handoff 09:00 +08:00', () => {
    const s = schedule('Asia/Singapore', [layer({ start: '2026-03-01T09:00' })]);
    const shifts = finalShifts(s, new Date('2026-03-05T01:00:00Z'), new Date('2026-03-12T01:00:00Z'));
    expect(shifts).toHaveLength(7);
    for (const x of shifts) {
      expect(hoursOf(x)).toBe(24);
      expect(x.start.slice(11, 16)).toBe('01:00');
    }
  });

  it('Australia/Sydney: 25 hours when daylight saving ends in April, 23 when it starts in October', () => {
    const s = schedule('Australia/Sydney', [layer({ start: '2026-04-01T09:00' })]);
    const april = finalShifts(s, new Date('2026-04-03T22:00:00Z'), new Date('2026-04-06T00:00:00Z'));
    const apr4 = april.find((x) => inZone(x.start, 'Australia/Sydney').startsWith('2026-04-04T09:00'))!;
    expect(hoursOf(apr4)).toBe(25);
    expect(inZone(apr4.end, 'Australia/Sydney')).toBe('2026-04-05T09:00:00+10:00');
    const october = finalShifts(s, new Date('2026-10-02T22:00:00Z'), new Date('2026-10-05T00:00:00Z'));
    const oct3 = october.find((x) => inZone(x.start, 'Australia/Sydney').startsWith('2026-10-03T09:00'))!;
    expect(hoursOf(oct3)).toBe(23);
    expect(inZone(oct3.end, 'Australia/Sydney')).toBe('2026-10-04T09:00:00+11:00');
  });

  it('a handoff time that does not exist on the change day moves forward, leaving no gap', () => {
    const s = schedule('America/New_York', [layer({ start: '2026-03-06T02:30' })]);
    const shifts = finalShifts(s, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    for (let i = 1; i < shifts.length; i++) expect(shifts[i]!.start).toBe(shifts[i - 1]!.end);
    expect(inZone(shifts.find((x) => x.start.startsWith('2026-03-08'))!.start, 'America/New_York')).toBe(
      '2026-03-08T03:30:00-04:00',
    );
  });
});

describe('weekly rotation', () => {
  it('hands off every Monday 09:00 local, in participant order, across the US change', () => {
    const s = schedule('America/New_York', [
      layer({
        start: '2026-02-23T09:00',
        rotation: { every: 1, unit: 'weeks' },
        participants: ['alice', 'bob', 'carol'],
      }),
    ]);
    const shifts = finalShifts(s, new Date('2026-02-23T14:00:00Z'), new Date('2026-03-23T13:00:00Z'));
    expect(shifts.map((x) => [x.userId, inZone(x.start, 'America/New_York')])).toEqual([
      ['alice', '2026-02-23T09:00:00-05:00'],
      ['bob', '2026-03-02T09:00:00-05:00'],
      ['carol', '2026-03-09T09:00:00-04:00'],
      ['alice', '2026-03-16T09:00:00-04:00'],
    ]);
    expect(hoursOf(shifts[1]!)).toBe(7 * 24 - 1);
  });

  it('has nobody on call before the layer starts or after it ends', () => {
    const s = schedule('UTC', [layer({ start: '2026-05-01T00:00', end: '2026-05-03T00:00' })]);
    expect(onCallAt(s, new Date('2026-04-30T23:59:59Z'))).toBeUndefined();
    expect(onCallAt(s, new Date('2026-05-02T12:00:00Z'))?.userId).toBe('bob');
    expect(onCallAt(s, new Date('2026-05-03T00:00:00Z'))).toBeUndefined();
  });
});

describe('layers, restrictions and overrides', () => {
  // Bottom: a weekly 24/7 rotation. Top: business hours, weekdays 09:00-18:00.
  const s = schedule('America/New_York', [
    layer({
      id: 'round-the-clock',
      participants: ['night-owl'],
      start: '2026-01-05T09:00',
      rotation: { every: 1, unit: 'weeks' },
    }),
    layer({
      id: 'business-hours',
      participants: ['alice', 'bob'],
      start: '2026-01-05T09:00',
      rotation: { every: 1, unit: 'days' },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }],
    }),
  ]);

  it('the higher layer wins where it has someone; the lower one covers the rest', () => {
    // Monday 9 March 2026, the day after the US change: business hours are 13:00Z-22:00Z.
    const shifts = finalShifts(s, new Date('2026-03-09T04:00:00Z'), new Date('2026-03-10T04:00:00Z'));
    expect(shifts.map((x) => [x.userId, x.start, x.end, x.layerId])).toEqual([
      ['night-owl', '2026-03-09T04:00:00.000Z', '2026-03-09T13:00:00.000Z', 'round-the-clock'],
      ['bob', '2026-03-09T13:00:00.000Z', '2026-03-09T22:00:00.000Z', 'business-hours'],
      ['night-owl', '2026-03-09T22:00:00.000Z', '2026-03-10T04:00:00.000Z', 'round-the-clock'],
    ]);
    expect(onCallAt(s, new Date('2026-03-14T15:00:00Z'))?.userId).toBe('night-owl'); // Saturday
  });

  it('a window that ends at or before it starts runs past midnight', () => {
    const nights = schedule('Europe/London', [
      layer({
        participants: ['nora'],
        start: '2026-06-01T00:00',
        restrictions: [{ days: ['fri'], start: '22:00', end: '06:00' }],
      }),
    ]);
    const shifts = finalShifts(nights, new Date('2026-06-01T00:00:00Z'), new Date('2026-06-08T00:00:00Z'));
    expect(shifts.map((x) => [inZone(x.start, 'Europe/London'), inZone(x.end, 'Europe/London')])).toEqual([
      ['2026-06-05T22:00:00+01:00', '2026-06-06T06:00:00+01:00'],
    ]);
  });

  it('an override wins over every layer; the later of two overlapping overrides wins', () => {
    const withOverrides: ScheduleShape = {
      ...s,
      overrides: [
        { id: 'swap', userId: 'carol', start: '2026-03-09T15:00:00Z', end: '2026-03-09T17:00:00Z' },
        { id: 'later', userId: 'dave', start: '2026-03-09T16:00:00Z', end: '2026-03-09T23:00:00Z' },
      ],
    };
    const shifts = finalShifts(withOverrides, new Date('2026-03-09T12:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(
      shifts.map((x) => [x.userId, x.start.slice(11, 16), x.end.slice(11, 16), x.overrideId ?? x.layerId]),
    ).toEqual([
      ['night-owl', '12:00', '13:00', 'round-the-clock'],
      ['bob', '13:00', '15:00', 'business-hours'],
      ['carol', '15:00', '16:00', 'swap'],
      ['dave', '16:00', '23:00', 'later'],
      ['night-owl', '23:00', '00:00', 'round-the-clock'],
    ]);
    expect(onCallAt(withOverrides, new Date('2026-03-09T15:30:00Z'))).toMatchObject({
      userId: 'carol',
      overrideId: 'swap',
    });
  });

  it('final shifts never overlap, stay inside the range and join pieces of one person', () => {
    const zones = ['Europe/London', 'America/New_York', 'Asia/Singapore', 'Australia/Sydney'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 1, max: 48 }),
        fc.constantFrom('hours', 'days', 'weeks'),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 40 }),
        (zone, every, unit, startDay, spanDays) => {
          const rotation = {
            every: unit === 'hours' ? every : Math.min(every, 12),
            unit: unit as 'hours' | 'days' | 'weeks',
          };
          const sch = schedule(zone, [
            layer({ id: 'base', participants: ['a', 'b', 'c'], start: '2026-01-01T09:00', rotation }),
            layer({
              id: 'top',
              participants: ['d'],
              start: '2026-01-01T09:00',
              restrictions: [{ days: ['mon', 'wed'], start: '10:00', end: '16:30' }],
            }),
          ]);
          const from = new Date(Date.parse('2026-01-01T00:00:00Z') + startDay * 86400000);
          const to = new Date(from.getTime() + spanDays * 86400000);
          const shifts = finalShifts(sch, from, to);
          for (let i = 0; i < shifts.length; i++) {
            const x = shifts[i]!;
            expect(Date.parse(x.start)).toBeLessThan(Date.parse(x.end));
            expect(Date.parse(x.start)).toBeGreaterThanOrEqual(from.getTime());
            expect(Date.parse(x.end)).toBeLessThanOrEqual(to.getTime());
            if (i > 0) {
              expect(Date.parse(x.start)).toBeGreaterThanOrEqual(Date.parse(shifts[i - 1]!.end));
              const prev = shifts[i - 1]!;
              expect(prev.end === x.start && prev.userId === x.userId && prev.layerId === x.layerId).toBe(false);
            }
          }
          // The base layer covers everything after its start: no holes.
          const covered = shifts.reduce((n, x) => n + Date.parse(x.end) - Date.parse(x.start), 0);
          const base = Date.parse('2026-01-01T00:00:00Z') + 9 * HOUR + 12 * HOUR; // the latest any zone's 09:00 can be
          if (from.getTime() >= base) expect(covered).toBe(to.getTime() - from.getTime());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('schedule validation', () => {
  it('names the field of an unknown zone, a bad handoff time and duplicate layer ids', () => {
    const r = createScheduleSchema.safeParse({
      id: 'primary',
      name: 'Primary',
      timeZone: 'Mars/Olympus_Mons',
      layers: [
        { id: 'a', participants: ['x'], rotation: { every: 1, unit: 'weeks' }, start: '2026-02-30T09:00' },
        {
          id: 'a',
          participants: ['y'],
          rotation: { every: 13, unit: 'weeks' },
          start: '2026-01-05T09:00',
          restrictions: [{ start: '9am', end: '18:00' }],
        },
      ],
    });
    expect(r.success).toBe(false);
    const fields = r.error!.issues.map((i) => i.path.join('.'));
    expect(fields).toEqual(
      expect.arrayContaining([
        'timeZone',
        'layers.0.start',
        'layers.1.rotation.every',
        'layers.1.restrictions.0.start',
      ]),
    );
  });
});
