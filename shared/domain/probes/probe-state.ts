// The service probe state machine: check results in, status out. Thresholds avoid flapping
// (failures-before-down, successes-before-up); the certificate expiry warning is a second,
// independent condition. Pure: results and `now` are passed in.
import type { ProbeSpec } from './definitions';

export type ProbeStatus = 'new' | 'up' | 'down' | 'paused';

export interface CheckResult {
  ok: boolean;
  /** Why the check failed (or a note when it passed), short and human-readable. */
  reason: string;
  /** When the check started. */
  at: string;
  latencyMs?: number;
  /** HTTP status code, when there was an HTTP answer. */
  statusCode?: number;
  /** The server certificate's expiry (HTTPS), when a TLS handshake happened. */
  certificateValidTo?: string;
  certificateSubject?: string;
}

export interface CertificateState {
  validTo: string;
  subject?: string;
  daysLeft: number;
  expiring: boolean;
  /** Since when it has been (or stopped being) expiring. */
  since: string;
}

export interface ProbeState {
  status: ProbeStatus;
  /** When the current status began, as measured (first failed check of the streak that took it down). */
  statusSince: string;
  /** Why the probe is in its status (the failing reason while down). */
  reason?: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** First failed check of the current failing streak. */
  failingSince?: string;
  /** First good check of the current good streak. */
  recoveringSince?: string;
  lastCheckAt?: string;
  lastResult?: Omit<CheckResult, 'certificateSubject'>;
  certificate?: CertificateState;
  /** Bumped by every change; conditions writes and orders history. */
  revision: number;
}

export type ProbeCondition = 'status' | 'certificate';

export interface Flip {
  condition: ProbeCondition | 'errors';
  from: string;
  to: string;
  /** When the change took effect (start of the streak), which can be before `at`. */
  effectiveAt: string;
  /** When Nocturne decided it. */
  at: string;
  reason?: string;
}

export function initialProbeState(now: string, paused = false): ProbeState {
  return {
    status: paused ? 'paused' : 'new',
    statusSince: now,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    revision: 1,
  };
}

type Thresholds = Pick<ProbeSpec, 'failuresBeforeDown' | 'successesBeforeUp'> & { expiryWarningDays?: number };

const DAY_MS = 86_400_000;

/** Apply one check result; returns the next state and what flipped. Paused probes ignore results. */
export function applyCheckResult(
  state: ProbeState,
  result: CheckResult,
  t: Thresholds,
): { state: ProbeState; flips: Flip[] } {
  if (state.status === 'paused') return { state, flips: [] };
  const flips: Flip[] = [];
  const next: ProbeState = {
    ...state,
    lastCheckAt: result.at,
    lastResult: {
      ok: result.ok,
      reason: result.reason,
      at: result.at,
      latencyMs: result.latencyMs,
      statusCode: result.statusCode,
      certificateValidTo: result.certificateValidTo,
    },
    revision: state.revision + 1,
  };

  if (result.ok) {
    next.consecutiveSuccesses = state.consecutiveSuccesses + 1;
    next.consecutiveFailures = 0;
    next.failingSince = undefined;
    next.recoveringSince = state.consecutiveSuccesses === 0 ? result.at : (state.recoveringSince ?? result.at);
    const needed = state.status === 'down' ? t.successesBeforeUp : 1;
    if (state.status !== 'up' && next.consecutiveSuccesses >= needed) {
      flips.push({
        condition: 'status',
        from: state.status,
        to: 'up',
        effectiveAt: next.recoveringSince,
        at: result.at,
      });
      next.status = 'up';
      next.statusSince = next.recoveringSince;
      next.reason = undefined;
    }
  } else {
    next.consecutiveFailures = state.consecutiveFailures + 1;
    next.consecutiveSuccesses = 0;
    next.recoveringSince = undefined;
    next.failingSince = state.consecutiveFailures === 0 ? result.at : (state.failingSince ?? result.at);
    if (state.status === 'down') next.reason = result.reason;
    else if (next.consecutiveFailures >= t.failuresBeforeDown) {
      flips.push({
        condition: 'status',
        from: state.status,
        to: 'down',
        effectiveAt: next.failingSince,
        at: result.at,
        reason: result.reason,
      });
      next.status = 'down';
      next.statusSince = next.failingSince;
      next.reason = result.reason;
    }
  }

  if (result.certificateValidTo && t.expiryWarningDays !== undefined) {
    const daysLeft = Math.floor((Date.parse(result.certificateValidTo) - Date.parse(result.at)) / DAY_MS);
    const expiring = t.expiryWarningDays > 0 && daysLeft < t.expiryWarningDays;
    const was = state.certificate?.expiring ?? false;
    const renewed = state.certificate !== undefined && state.certificate.validTo !== result.certificateValidTo;
    next.certificate = {
      validTo: result.certificateValidTo,
      subject: result.certificateSubject,
      daysLeft,
      expiring,
      since: expiring !== was || !state.certificate ? result.at : state.certificate.since,
    };
    if (expiring !== was)
      flips.push({
        condition: 'certificate',
        from: was ? 'expiring' : 'ok',
        to: expiring ? 'expiring' : 'ok',
        effectiveAt: result.at,
        at: result.at,
        reason: expiring
          ? `certificate expires in ${daysLeft} days (${result.certificateValidTo})`
          : renewed
            ? 'certificate renewed'
            : undefined,
      });
  }
  return { state: next, flips };
}

/** Pause: no checks, no alerts. */
export function pauseProbe(state: ProbeState, now: string): { state: ProbeState; flips: Flip[] } {
  if (state.status === 'paused') return { state, flips: [] };
  return {
    state: {
      ...initialProbeState(now, true),
      certificate: state.certificate && { ...state.certificate, expiring: false },
      revision: state.revision + 1,
    },
    flips: [{ condition: 'status', from: state.status, to: 'paused', effectiveAt: now, at: now }],
  };
}

/** Resume: a fresh start (new), checked at once; the old streaks no longer mean anything. */
export function resumeProbe(state: ProbeState, now: string): { state: ProbeState; flips: Flip[] } {
  if (state.status !== 'paused') return { state, flips: [] };
  return {
    state: { ...initialProbeState(now), certificate: undefined, revision: state.revision + 1 },
    flips: [{ condition: 'status', from: 'paused', to: 'new', effectiveAt: now, at: now }],
  };
}

/** When the next round is due: keep the cadence, but skip rounds that were missed entirely. */
export function nextDueAt(previousDue: string, intervalMinutes: number, now: Date): string {
  const step = intervalMinutes * 60_000;
  const next = Date.parse(previousDue) + step;
  return new Date(next > now.getTime() ? next : now.getTime() + step).toISOString();
}
