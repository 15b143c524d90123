// SLA clocks, pure: warning at 80 %, pauses while pending, met or missed, reopen, retarget.
import { DateTime } from 'luxon';
import type { BusinessCalendar } from '../../../shared/domain/tickets/business-time';
import {
  dueStage,
  elapsedMs,
  meetFirstResponse,
  meetResolution,
  pauseSla,
  raisePriority,
  reopenSla,
  resumeSla,
  retargetSla,
  startSla,
  wantedTimers,
  type SlaPolicy,
} from '../../../shared/domain/tickets/sla';

const H = 3600_000;
const office: BusinessCalendar = {
  id: 'office',
  name: 'Office',
  timeZone: 'Europe/Berlin',
  workingHours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '17:00' }]]),
  ),
  holidays: ['2026-12-25'],
};
const policy: SlaPolicy = {
  id: 'standard',
  name: 'Standard',
  calendarId: 'office',
  warnAtPercent: 80,
  targets: {
    P2: { firstResponseMinutes: 60, resolutionMinutes: 600 },
    P3: { firstResponseMinutes: 240, resolutionMinutes: 2400 },
  },
  onBreach: { escalateToLead: true, raisePriority: true },
};
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Berlin' }).toJSDate();
const wall = (iso?: string) => (iso ? DateTime.fromISO(iso).setZone('Europe/Berlin').toFormat('ccc HH:mm') : undefined);

describe('SLA clocks', () => {
  it('starts both clocks with a warning at 80 % and a due time in business hours', () => {
    const sla = startSla(policy, office, 'P2', at('2026-11-23T16:30'))!; // Monday
    expect(wall(sla.firstResponse.warnAt)).toBe('Tue 09:18'); // 48 of 60 minutes: 30 on Monday, 18 on Tuesday
    expect(wall(sla.firstResponse.dueAt)).toBe('Tue 09:30');
    // 600 business minutes = 10 h: 30 min Monday, 8 h Tuesday, 1.5 h Wednesday
    expect(wall(sla.resolution.dueAt)).toBe('Wed 10:30');
    expect(wantedTimers(sla.firstResponse)).toEqual({
      warn: sla.firstResponse.warnAt,
      breach: sla.firstResponse.dueAt,
    });
  });

  it('has no clocks when the policy has no target for the priority', () => {
    expect(startSla(policy, office, 'P4', at('2026-11-23T10:00'))).toBeUndefined();
  });

  it('pauses while pending: the deadline moves by the business time spent waiting', () => {
    const start = at('2026-11-23T09:00');
    let sla = startSla(policy, office, 'P3', start)!; // first response due 13:00
    expect(wall(sla.firstResponse.dueAt)).toBe('Mon 13:00');
    sla = pauseSla(sla, at('2026-11-23T10:00'));
    expect(sla.firstResponse.dueAt).toBeUndefined();
    expect(wantedTimers(sla.firstResponse)).toEqual({});
    expect(elapsedMs(office, sla.firstResponse, at('2026-11-23T15:00'))).toBe(1 * H); // frozen
    sla = resumeSla(office, sla, at('2026-11-23T12:00'));
    expect(sla.firstResponse.pausedMs).toBe(2 * H);
    expect(wall(sla.firstResponse.dueAt)).toBe('Mon 15:00');
    expect(elapsedMs(office, sla.firstResponse, at('2026-11-23T13:00'))).toBe(2 * H);
  });

  it('a pause over a night and a weekend only subtracts working hours', () => {
    let sla = startSla(policy, office, 'P3', at('2026-11-20T09:00'))!; // Friday; first response due 13:00
    sla = pauseSla(sla, at('2026-11-20T12:00'));
    sla = resumeSla(office, sla, at('2026-11-23T10:00')); // Monday: 5 h Friday + 1 h Monday paused
    expect(sla.firstResponse.pausedMs).toBe(6 * H);
    expect(wall(sla.firstResponse.dueAt)).toBe('Mon 11:00');
  });

  it('a first response in time is met; one after the breach is not', () => {
    const start = at('2026-11-23T09:00');
    const sla = startSla(policy, office, 'P2', start)!;
    expect(meetFirstResponse(office, sla, at('2026-11-23T09:45')).firstResponse).toMatchObject({ met: true });
    const breached = {
      ...sla,
      firstResponse: { ...sla.firstResponse, breachedAt: at('2026-11-23T10:00').toISOString() },
    };
    const late = meetFirstResponse(office, breached, at('2026-11-23T10:30')).firstResponse;
    expect(late).toMatchObject({ met: false });
    expect(wantedTimers(late)).toEqual({});
  });

  it('resolving stops the resolution clock; reopening resumes it without the time spent resolved', () => {
    let sla = startSla(policy, office, 'P2', at('2026-11-23T09:00'))!; // resolution due Mon 17:00 + 2 h = Tue 11:00
    expect(wall(sla.resolution.dueAt)).toBe('Tue 11:00');
    sla = meetResolution(office, sla, at('2026-11-23T12:00'));
    expect(sla.resolution).toMatchObject({ met: true, metAt: at('2026-11-23T12:00').toISOString() });
    sla = reopenSla(office, sla, at('2026-11-24T09:00')); // resolved for 5 business hours
    expect(sla.resolution.metAt).toBeUndefined();
    expect(sla.resolution.pausedMs).toBe(5 * H);
    expect(wall(sla.resolution.dueAt)).toBe('Tue 16:00');
  });

  it('a new priority keeps the start and pauses and takes the new targets', () => {
    const sla = startSla(policy, office, 'P3', at('2026-11-23T09:00'))!;
    const faster = retargetSla(policy, office, sla, 'P2');
    expect(faster.firstResponse.targetMinutes).toBe(60);
    expect(wall(faster.firstResponse.dueAt)).toBe('Mon 10:00');
    expect(faster.firstResponse.startedAt).toBe(sla.firstResponse.startedAt);
  });

  it('judges a due timer on the committed clock', () => {
    const sla = startSla(policy, office, 'P2', at('2026-11-23T09:00'))!;
    const c = sla.firstResponse;
    expect(dueStage(c, 'warn', at('2026-11-23T09:48'))).toBe('fire');
    expect(dueStage(c, 'warn', at('2026-11-23T09:40'))).toBe('not-yet');
    expect(dueStage({ ...c, warnedAt: 'x' }, 'warn', at('2026-11-23T09:50'))).toBe('moot');
    expect(dueStage(c, 'breach', at('2026-11-23T10:00'))).toBe('fire');
    expect(dueStage(pauseSla(sla, at('2026-11-23T09:30')).firstResponse, 'breach', at('2026-11-23T11:00'))).toBe(
      'moot',
    );
  });

  it('raises priority one step, never past P1', () => {
    expect(raisePriority('P3')).toBe('P2');
    expect(raisePriority('P1')).toBe('P1');
  });
});
