// The service probe state machine: thresholds against flapping, the certificate warning as its
// own condition, pause/resume, and the round cadence. Pure: results carry their own times.
import {
  applyCheckResult,
  initialProbeState,
  nextDueAt,
  pauseProbe,
  resumeProbe,
  type CheckResult,
  type ProbeState,
} from '../../../shared/domain/probes/probe-state';

const t = (min: number) => new Date(Date.UTC(2026, 10, 21, 2, min)).toISOString();
const ok = (min: number, extra: Partial<CheckResult> = {}): CheckResult => ({
  ok: true,
  reason: 'status 200',
  at: t(min),
  ...extra,
});
const bad = (min: number, reason = 'status 503, expected 2xx'): CheckResult => ({ ok: false, reason, at: t(min) });
const thresholds = { failuresBeforeDown: 2, successesBeforeUp: 2, expiryWarningDays: 14 };

function run(results: CheckResult[], from: ProbeState = initialProbeState(t(0)), th = thresholds) {
  let s = from;
  const flips = [];
  for (const r of results) {
    const out = applyCheckResult(s, r, th);
    s = out.state;
    flips.push(...out.flips);
  }
  return { state: s, flips };
}

describe('service probe state', () => {
  it('a new probe is up after its first good check', () => {
    const { state, flips } = run([ok(1)]);
    expect(state.status).toBe('up');
    expect(flips).toEqual([expect.objectContaining({ condition: 'status', from: 'new', to: 'up', effectiveAt: t(1) })]);
  });

  it('one failed check is not enough to go down (failures-before-down)', () => {
    const { state, flips } = run([ok(1), bad(2)]);
    expect(state.status).toBe('up');
    expect(state.consecutiveFailures).toBe(1);
    expect(flips.filter((f) => f.to === 'down')).toEqual([]);
  });

  it('goes down at the threshold, effective from the first failure of the streak', () => {
    const { state, flips } = run([ok(1), bad(2), bad(3, 'timeout after 10000 ms')]);
    expect(state.status).toBe('down');
    expect(state.statusSince).toBe(t(2));
    expect(state.reason).toBe('timeout after 10000 ms');
    expect(flips.at(-1)).toEqual(expect.objectContaining({ from: 'up', to: 'down', effectiveAt: t(2), at: t(3) }));
  });

  it('a good check between failures resets the streak', () => {
    const { state } = run([ok(1), bad(2), ok(3), bad(4)]);
    expect(state.status).toBe('up');
  });

  it('comes back up only after successes-before-up good checks, effective from the first', () => {
    const down = run([ok(1), bad(2), bad(3)]).state;
    const one = run([ok(4)], down);
    expect(one.state.status).toBe('down');
    const two = run([ok(5)], one.state);
    expect(two.state.status).toBe('up');
    expect(two.flips).toEqual([expect.objectContaining({ from: 'down', to: 'up', effectiveAt: t(4), at: t(5) })]);
  });

  it('a new probe that never succeeds goes down after the threshold', () => {
    const { state, flips } = run([bad(1, 'connection refused'), bad(2, 'connection refused')]);
    expect(state.status).toBe('down');
    expect(flips).toEqual([expect.objectContaining({ from: 'new', to: 'down', reason: 'connection refused' })]);
  });

  it('flags a certificate that expires within the warning days, once, and clears it when renewed', () => {
    const soon = new Date(Date.parse(t(1)) + 5 * 86_400_000).toISOString();
    const later = new Date(Date.parse(t(1)) + 90 * 86_400_000).toISOString();
    const first = run([ok(1, { certificateValidTo: soon }), ok(2, { certificateValidTo: soon })]);
    expect(first.state.certificate).toEqual(expect.objectContaining({ expiring: true, daysLeft: 4 }));
    expect(first.flips.filter((f) => f.condition === 'certificate')).toEqual([
      expect.objectContaining({ from: 'ok', to: 'expiring', reason: expect.stringContaining('expires in 5 days') }),
    ]);
    const renewed = run([ok(3, { certificateValidTo: later })], first.state);
    expect(renewed.state.certificate?.expiring).toBe(false);
    expect(renewed.flips).toEqual([
      expect.objectContaining({ condition: 'certificate', from: 'expiring', to: 'ok', reason: 'certificate renewed' }),
    ]);
  });

  it('ignores results while paused; resume starts afresh', () => {
    const down = run([bad(1), bad(2)]).state;
    const paused = pauseProbe(down, t(3));
    expect(paused.flips).toEqual([expect.objectContaining({ from: 'down', to: 'paused' })]);
    expect(applyCheckResult(paused.state, ok(4), thresholds)).toEqual({ state: paused.state, flips: [] });
    const resumed = resumeProbe(paused.state, t(5));
    expect(resumed.state.status).toBe('new');
    expect(resumed.state.consecutiveFailures).toBe(0);
    expect(resumed.flips).toEqual([expect.objectContaining({ from: 'paused', to: 'new' })]);
  });

  it('bumps the revision on every result (it conditions the write)', () => {
    const s = run([ok(1), ok(2)]).state;
    expect(s.revision).toBe(3);
  });
});

describe('round cadence', () => {
  it('keeps the cadence from the previous due time', () => {
    expect(nextDueAt(t(0), 5, new Date(t(0)))).toBe(t(5));
    expect(nextDueAt(t(0), 5, new Date(Date.parse(t(1))))).toBe(t(5));
  });

  it('skips rounds missed entirely instead of running them in a burst', () => {
    expect(nextDueAt(t(0), 5, new Date(Date.parse(t(12))))).toBe(t(17));
  });
});
