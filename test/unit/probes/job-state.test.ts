// Punctual and Normal probes for jobs, with an injected clock: late at the expected time, down
// after the grace, too long past the maximum run time, failure pings, error ratios per run and
// over a rolling window with the minimum-volume gate, pause/resume, and cron schedules across
// daylight-saving changes.
import { createJobSchema, type JobSpec } from '../../../shared/domain/probes/definitions';
import {
  applyPing,
  checkJob,
  initialJobState,
  pauseJob,
  resumeJob,
  type JobState,
  type Ping,
} from '../../../shared/domain/probes/job-state';
import { nextExpectedAt } from '../../../shared/domain/probes/schedule';

const at = (iso: string) => new Date(iso);
const job = (over: Partial<Record<keyof JobSpec, unknown>> = {}): JobSpec =>
  createJobSchema.parse({
    name: 'Nightly billing extract',
    type: 'Extract',
    category: 'Billing',
    team: 'billing-ops',
    schedule: { kind: 'period', minutes: 60 },
    graceMinutes: 15,
    ...over,
  });

/** Feed pings and clock ticks in order; return the state and every flip. */
function play(
  spec: JobSpec,
  steps: Array<{ ping?: Omit<Ping, 'at'>; at: string }>,
  from: JobState = initialJobState('2026-03-01T00:00:00.000Z'),
) {
  let s = from;
  const flips = [];
  for (const step of steps) {
    const now = at(step.at);
    const r = step.ping ? applyPing(spec, s, { ...step.ping, at: step.at }, now) : checkJob(spec, s, now);
    s = r.state;
    flips.push(...r.flips.map((f) => ({ ...f, when: step.at })));
  }
  return { state: s, flips };
}

describe('Punctual probe (period)', () => {
  const spec = job();

  it('a new job stays new, with no timer, until its first ping', () => {
    const r = play(spec, [{ at: '2026-03-05T00:00:00.000Z' }]);
    expect(r.state.status).toBe('new');
    expect(r.state.nextCheckAt).toBeUndefined();
  });

  it('is up after a success, expected again one period later', () => {
    const r = play(spec, [{ ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' }]);
    expect(r.state.status).toBe('up');
    expect(r.state.expectedAt).toBe('2026-03-01T11:00:00.000Z');
    expect(r.state.nextCheckAt).toBe('2026-03-01T11:00:00.000Z');
    expect(r.flips).toEqual([expect.objectContaining({ condition: 'status', from: 'new', to: 'up' })]);
  });

  it('is late at the expected time and down after the grace; the next success brings it up', () => {
    const r = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { at: '2026-03-01T10:59:59.000Z' },
      { at: '2026-03-01T11:00:00.000Z' },
      { at: '2026-03-01T11:15:00.000Z' },
      { ping: { kind: 'success' }, at: '2026-03-01T11:20:00.000Z' },
    ]);
    expect(r.flips.map((f) => [f.from, f.to, f.effectiveAt, f.reason])).toEqual([
      ['new', 'up', '2026-03-01T10:00:00.000Z', undefined],
      ['up', 'late', '2026-03-01T11:00:00.000Z', 'not-on-time'],
      ['late', 'down', '2026-03-01T11:15:00.000Z', 'not-on-time'],
      ['down', 'up', '2026-03-01T11:20:00.000Z', undefined],
    ]);
    expect(r.state.expectedAt).toBe('2026-03-01T12:20:00.000Z');
  });

  it('a clock tick that changes nothing is not a change (no write)', () => {
    const up = play(spec, [{ ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' }]).state;
    const r = checkJob(spec, up, at('2026-03-01T10:30:00.000Z'));
    expect(r.changed).toBe(false);
    expect(r.state).toBe(up);
  });

  it('a fail ping takes it down at once until a success', () => {
    const r = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { ping: { kind: 'fail' }, at: '2026-03-01T10:30:00.000Z' },
      { at: '2026-03-01T12:00:00.000Z' },
    ]);
    expect(r.state.status).toBe('down');
    expect(r.state.reason).toBe('failed');
    expect(r.state.nextCheckAt).toBeUndefined();
    expect(play(spec, [{ ping: { kind: 'success' }, at: '2026-03-01T12:05:00.000Z' }], r.state).state.status).toBe(
      'up',
    );
  });
});

describe('Punctual probe: too long', () => {
  const spec = job({ maxRunMinutes: 30 });

  it('a run started on time keeps the job up past its expected time while within the maximum run time', () => {
    const r = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { ping: { kind: 'start' }, at: '2026-03-01T10:55:00.000Z' },
      { at: '2026-03-01T11:10:00.000Z' },
    ]);
    expect(r.state.status).toBe('up');
    expect(r.state.nextCheckAt).toBe('2026-03-01T11:25:00.000Z');
  });

  it('is late (too long) past the maximum run time, down after the grace, and up when the run succeeds', () => {
    const r = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { ping: { kind: 'start' }, at: '2026-03-01T10:10:00.000Z' },
      { at: '2026-03-01T10:40:00.000Z' },
      { at: '2026-03-01T10:55:00.000Z' },
      { ping: { kind: 'success' }, at: '2026-03-01T10:58:00.000Z' },
    ]);
    expect(r.flips.map((f) => [f.from, f.to, f.reason, f.effectiveAt])).toEqual([
      ['new', 'up', undefined, '2026-03-01T10:00:00.000Z'],
      ['up', 'late', 'too-long', '2026-03-01T10:40:00.000Z'],
      ['late', 'down', 'too-long', '2026-03-01T10:55:00.000Z'],
      ['down', 'up', undefined, '2026-03-01T10:58:00.000Z'],
    ]);
    expect(r.state.lastRun?.durationMs).toBe(48 * 60_000);
  });

  it('detects too long even before the next expected time', () => {
    const daily = job({ schedule: { kind: 'period', minutes: 1440 }, maxRunMinutes: 30 });
    const r = play(daily, [
      { ping: { kind: 'success' }, at: '2026-03-01T02:20:00.000Z' },
      { ping: { kind: 'start' }, at: '2026-03-01T09:00:00.000Z' },
      { at: '2026-03-01T09:30:00.000Z' },
    ]);
    expect(r.state.status).toBe('late');
    expect(r.state.reason).toBe('too-long');
  });

  it('a run started after the job went down does not make it up until it succeeds', () => {
    const r = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { at: '2026-03-01T11:20:00.000Z' },
      { ping: { kind: 'start' }, at: '2026-03-01T11:25:00.000Z' },
    ]);
    expect(r.state.status).toBe('down');
  });
});

describe('Normal probe (error ratio)', () => {
  const spec = job({ errorRatio: { warningPercent: 5, criticalPercent: 10, minVolume: 100, windowMinutes: 1440 } });
  const success = (processed: number, errored: number, iso: string) => ({
    ping: { kind: 'success' as const, processed, errored },
    at: iso,
  });

  it('judges each run: warning at 5 %, critical at 10 %', () => {
    const warn = play(spec, [success(1000, 60, '2026-03-01T10:00:00.000Z')]);
    expect(warn.state.errorLevel).toBe('warning');
    expect(warn.state.errorReason).toBe(
      'last run: 60 of 1000 records errored (6%); thresholds warning 5%, critical 10%',
    );
    const crit = play(spec, [success(1000, 100, '2026-03-01T11:00:00.000Z')], warn.state);
    expect(crit.state.errorLevel).toBe('critical');
    expect(crit.flips).toEqual([expect.objectContaining({ condition: 'errors', from: 'warning', to: 'critical' })]);
  });

  it('does not judge a run below the minimum volume', () => {
    const r = play(spec, [success(50, 50, '2026-03-01T10:00:00.000Z')]);
    expect(r.state.errorLevel).toBe('ok');
  });

  it('judges the rolling window: small bad runs add up past the minimum volume', () => {
    const r = play(spec, [success(60, 9, '2026-03-01T10:00:00.000Z'), success(60, 9, '2026-03-01T11:00:00.000Z')]);
    expect(r.state.errorLevel).toBe('critical');
    expect(r.state.errorReason).toMatch(/^last 24 h: 18 of 120 records errored \(15%\)/);
  });

  it('a raised window level clears by itself once the bad runs leave the window', () => {
    const r = play(spec, [
      success(60, 9, '2026-03-01T10:00:00.000Z'),
      success(60, 9, '2026-03-01T11:00:00.000Z'),
      success(10, 0, '2026-03-01T12:00:00.000Z'),
    ]);
    expect(r.state.errorLevel).toBe('critical');
    expect(r.state.nextCheckAt! <= '2026-03-02T11:00:00.000Z').toBe(true);
    const later = play(spec, [{ at: '2026-03-02T12:30:00.000Z' }], r.state);
    expect(later.state.errorLevel).toBe('ok');
    expect(later.flips).toEqual(
      expect.arrayContaining([expect.objectContaining({ condition: 'errors', from: 'critical', to: 'ok' })]),
    );
  });

  it('a good run lowers the run level but the window still counts the bad one', () => {
    const r = play(spec, [
      success(1000, 150, '2026-03-01T10:00:00.000Z'),
      success(1000, 0, '2026-03-01T11:00:00.000Z'),
    ]);
    expect(r.state.errorLevel).toBe('warning'); // 150 of 2000 = 7.5 % over the window
  });
});

describe('pause and resume', () => {
  const spec = job();

  it('pausing stops lateness and clears the error level; pings are still recorded', () => {
    const down = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { at: '2026-03-01T12:00:00.000Z' },
    ]).state;
    expect(down.status).toBe('down');
    const paused = pauseJob(down, at('2026-03-01T12:01:00.000Z'));
    expect(paused.flips).toEqual([expect.objectContaining({ from: 'down', to: 'paused' })]);
    const pinged = applyPing(
      spec,
      paused.state,
      { kind: 'success', at: '2026-03-01T13:00:00.000Z' },
      at('2026-03-01T13:00:00.000Z'),
    );
    expect(pinged.state.status).toBe('paused');
    expect(pinged.state.lastSuccessAt).toBe('2026-03-01T13:00:00.000Z');
    expect(pinged.flips).toEqual([]);
  });

  it('resuming counts lateness from the next expected time after the resume', () => {
    const down = play(spec, [
      { ping: { kind: 'success' }, at: '2026-03-01T10:00:00.000Z' },
      { at: '2026-03-01T12:00:00.000Z' },
    ]).state;
    const paused = pauseJob(down, at('2026-03-01T12:01:00.000Z')).state;
    const resumed = resumeJob(spec, paused, at('2026-03-02T09:00:00.000Z'));
    expect(resumed.state.status).toBe('up');
    expect(resumed.state.expectedAt).toBe('2026-03-02T10:00:00.000Z');
    expect(resumed.flips).toEqual([expect.objectContaining({ from: 'paused', to: 'up' })]);
    expect(checkJob(spec, resumed.state, at('2026-03-02T10:00:00.000Z')).state.status).toBe('late');
  });
});

describe('cron schedules across daylight-saving changes', () => {
  it('spring forward (Europe/Berlin): a 02:30 job is expected at 03:30 CEST on the night 02:30 does not exist', () => {
    const spec = job({
      schedule: { kind: 'cron', expression: '30 2 * * *', timezone: 'Europe/Berlin' },
      graceMinutes: 30,
    });
    // 2026-03-28 02:31 CET = 01:31Z; 2026-03-29 is the spring-forward night.
    const up = play(spec, [{ ping: { kind: 'success' }, at: '2026-03-28T01:31:00.000Z' }]);
    expect(up.state.expectedAt).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(checkJob(spec, up.state, at('2026-03-29T01:29:59.000Z')).state.status).toBe('up');
    const late = checkJob(spec, up.state, at('2026-03-29T01:30:00.000Z'));
    expect(late.state.status).toBe('late');
    expect(checkJob(spec, late.state, at('2026-03-29T02:00:00.000Z')).state.status).toBe('down');
    // The day after, the job is expected at 02:30 CEST again: 00:30Z.
    const next = play(spec, [{ ping: { kind: 'success' }, at: '2026-03-29T01:35:00.000Z' }], late.state);
    expect(next.state.expectedAt).toBe('2026-03-30T00:30:00.000Z');
  });

  it('fall back (Europe/Berlin): a 02:30 job runs once on the night 02:30 happens twice', () => {
    const spec = job({
      schedule: { kind: 'cron', expression: '30 2 * * *', timezone: 'Europe/Berlin' },
      graceMinutes: 30,
    });
    // 2026-10-25 is the fall-back night: the first 02:30 CEST is 00:30Z, the second 02:30 CET 01:30Z.
    const ran = play(spec, [{ ping: { kind: 'success' }, at: '2026-10-25T00:35:00.000Z' }]);
    expect(ran.state.expectedAt).toBe('2026-10-26T01:30:00.000Z'); // next day 02:30 CET, not the repeated hour
    expect(checkJob(spec, ran.state, at('2026-10-25T02:30:00.000Z')).state.status).toBe('up');
  });

  it('America/New_York: a weekday 01:30 job across the November change', () => {
    const s = { kind: 'cron' as const, expression: '30 1 * * 1-5', timezone: 'America/New_York' };
    // Friday 2026-10-30 01:30 EDT = 05:30Z; next is Monday 2026-11-02 01:30 EST = 06:30Z (the change is Sunday 11-01).
    expect(nextExpectedAt(s, at('2026-10-30T05:31:00.000Z')).toISOString()).toBe('2026-11-02T06:30:00.000Z');
  });

  it('a period is elapsed time: 24 h across the change is 23 or 25 wall-clock hours', () => {
    expect(nextExpectedAt({ kind: 'period', minutes: 1440 }, at('2026-03-28T01:30:00.000Z')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });
});
