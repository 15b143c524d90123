// Monitored jobs and daemons: the Punctual probe (did it succeed by the expected time; is a
// started run taking too long) and the Normal probe (share of records in error, per run and over
// a rolling window, once there is enough volume). Pings and the clock go in; status, error level,
// the flips between them and the next moment something can change on its own come out.
// Pure: `now` is always passed in.
import type { ErrorRatioSpec, JobSpec, PingKind } from './definitions';
import type { Flip } from './probe-state';
import { nextExpectedAt } from './schedule';

export type JobStatus = 'new' | 'up' | 'late' | 'down' | 'paused';
/** Why a job is late or down. */
export type JobReason = 'not-on-time' | 'too-long' | 'failed';
export type ErrorLevel = 'ok' | 'warning' | 'critical';

/** Processed/errored counts summed per slice of the rolling window (1/24 of it). */
export interface VolumeBucket {
  start: string;
  processed: number;
  errored: number;
}

export interface RunCounts {
  at: string;
  kind: 'success' | 'fail';
  processed?: number;
  errored?: number;
  /** From the start ping of the same run, when there was one. */
  durationMs?: number;
}

export interface JobState {
  status: JobStatus;
  statusSince: string;
  reason?: JobReason;
  firstPingAt?: string;
  lastPingAt?: string;
  lastPingKind?: PingKind;
  lastSuccessAt?: string;
  lastStartAt?: string;
  lastFailAt?: string;
  /** Pings before this (a resume) do not count towards lateness or failure. */
  resumedAt?: string;
  lastRun?: RunCounts;
  buckets: VolumeBucket[];
  errorLevel: ErrorLevel;
  errorLevelSince: string;
  errorReason?: string;
  /** When the next success is expected (display). */
  expectedAt?: string;
  /** When the status or error level can next change without a ping (the durable timer's due time). */
  nextCheckAt?: string;
  revision: number;
}

export type JobSettings = Pick<JobSpec, 'schedule' | 'graceMinutes' | 'maxRunMinutes' | 'errorRatio'>;

export interface Ping {
  kind: PingKind;
  at: string;
  processed?: number;
  errored?: number;
}

export interface JobTransition {
  state: JobState;
  flips: Flip[];
  /** False when nothing worth writing changed (a timer that found all as it was). */
  changed: boolean;
}

const MIN = 60_000;
const WINDOW_SLICES = 24;
const iso = (ms: number) => new Date(ms).toISOString();
const ms = (s: string) => Date.parse(s);
const later = (a?: string, b?: string) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

export function initialJobState(now: string, paused = false): JobState {
  return {
    status: paused ? 'paused' : 'new',
    statusSince: now,
    buckets: [],
    errorLevel: 'ok',
    errorLevelSince: now,
    revision: 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Punctual probe

interface Punctual {
  status: Exclude<JobStatus, 'paused'>;
  reason?: JobReason;
  /** When this status began, if it changes now. */
  since: string;
  expectedAt?: string;
  nextCheckAt?: string;
}

function lateness(expected: number, graceMs: number, at: number, upSince: string): Punctual {
  if (at < expected) return { status: 'up', since: upSince, nextCheckAt: iso(expected) };
  if (at < expected + graceMs)
    return { status: 'late', reason: 'not-on-time', since: iso(expected), nextCheckAt: iso(expected + graceMs) };
  return { status: 'down', reason: 'not-on-time', since: iso(expected + graceMs) };
}

export function evaluatePunctual(job: JobSettings, s: JobState, now: Date): Punctual {
  const after = (t?: string) => (t !== undefined && (s.resumedAt === undefined || t >= s.resumedAt) ? t : undefined);
  if (!s.firstPingAt) return { status: 'new', since: s.statusSince };
  const success = after(s.lastSuccessAt);
  const fail = after(s.lastFailAt);
  const start = after(s.lastStartAt);
  const base = later(s.lastSuccessAt ?? s.firstPingAt, s.resumedAt)!;
  const expected = nextExpectedAt(job.schedule, new Date(base)).getTime();
  const graceMs = job.graceMinutes * MIN;
  const expectedAt = iso(expected);

  if (fail && (!success || fail > success)) return { status: 'down', reason: 'failed', since: fail, expectedAt };

  const completion = later(success, fail);
  const runOpen = start !== undefined && (completion === undefined || start > completion);
  if (runOpen && job.maxRunMinutes) {
    const deadline = ms(start) + job.maxRunMinutes * MIN;
    if (now.getTime() < deadline) {
      // Running within its time: it keeps the standing it had when it started.
      const atStart = lateness(expected, graceMs, ms(start), success ?? start);
      return { ...atStart, expectedAt, nextCheckAt: iso(deadline) };
    }
    if (now.getTime() < deadline + graceMs)
      return {
        status: 'late',
        reason: 'too-long',
        since: iso(deadline),
        expectedAt,
        nextCheckAt: iso(deadline + graceMs),
      };
    return { status: 'down', reason: 'too-long', since: iso(deadline + graceMs), expectedAt };
  }
  return { ...lateness(expected, graceMs, now.getTime(), success ?? s.firstPingAt), expectedAt };
}

// ---------------------------------------------------------------------------------------------
// Normal probe

function bucketMs(e: ErrorRatioSpec): number {
  return (e.windowMinutes * MIN) / WINDOW_SLICES;
}

/** Buckets that still overlap the window ending at `now`. */
function inWindow(buckets: VolumeBucket[], e: ErrorRatioSpec, now: Date): VolumeBucket[] {
  const from = now.getTime() - e.windowMinutes * MIN;
  return buckets.filter((b) => ms(b.start) + bucketMs(e) > from);
}

function addToBuckets(
  buckets: VolumeBucket[],
  e: ErrorRatioSpec,
  at: string,
  processed: number,
  errored: number,
): VolumeBucket[] {
  const size = bucketMs(e);
  const start = iso(Math.floor(ms(at) / size) * size);
  const out = buckets.map((b) => ({ ...b }));
  const hit = out.find((b) => b.start === start);
  if (hit) {
    hit.processed += processed;
    hit.errored += errored;
  } else out.push({ start, processed, errored });
  return out.sort((a, b) => a.start.localeCompare(b.start));
}

function levelOf(e: ErrorRatioSpec, processed: number, errored: number): ErrorLevel | undefined {
  if (processed === 0 || processed < e.minVolume) return undefined;
  const pct = (errored / processed) * 100;
  return pct >= e.criticalPercent ? 'critical' : pct >= e.warningPercent ? 'warning' : 'ok';
}

const RANK: Record<ErrorLevel, number> = { ok: 0, warning: 1, critical: 2 };
const pct = (errored: number, processed: number) => `${Math.round((errored / processed) * 1000) / 10}%`;

export function evaluateErrors(
  job: JobSettings,
  s: JobState,
  now: Date,
): { level: ErrorLevel; reason?: string; nextCheckAt?: string; buckets: VolumeBucket[] } {
  const e = job.errorRatio;
  if (!e) return { level: 'ok', buckets: [] };
  const buckets = inWindow(s.buckets, e, now);
  const run = s.lastRun && s.lastRun.processed !== undefined ? s.lastRun : undefined;
  const runLevel = run ? levelOf(e, run.processed!, run.errored ?? 0) : undefined;
  const sumP = buckets.reduce((a, b) => a + b.processed, 0);
  const sumE = buckets.reduce((a, b) => a + b.errored, 0);
  const windowLevel = levelOf(e, sumP, sumE);
  const level: ErrorLevel = RANK[runLevel ?? 'ok'] >= RANK[windowLevel ?? 'ok'] ? (runLevel ?? 'ok') : windowLevel!;
  let reason: string | undefined;
  if (level !== 'ok') {
    const hours = Math.round((e.windowMinutes / 60) * 10) / 10;
    reason =
      runLevel === level
        ? `last run: ${run!.errored ?? 0} of ${run!.processed} records errored (${pct(run!.errored ?? 0, run!.processed!)})`
        : `last ${hours} h: ${sumE} of ${sumP} records errored (${pct(sumE, sumP)})`;
    const thresholds = `warning ${e.warningPercent}%, critical ${e.criticalPercent}%`;
    reason = `${reason}; thresholds ${thresholds}`;
  }
  // Only a raised level needs the clock to lower it: old slices leave the window.
  const nextCheckAt =
    level !== 'ok' && windowLevel !== undefined && windowLevel !== 'ok' && buckets.length
      ? iso(ms(buckets[0]!.start) + bucketMs(e) + e.windowMinutes * MIN)
      : undefined;
  return { level, reason, nextCheckAt, buckets };
}

// ---------------------------------------------------------------------------------------------
// Transitions

function evaluate(job: JobSettings, prev: JobState, s: JobState, now: Date): JobTransition {
  const at = now.toISOString();
  if (s.status === 'paused') {
    const changed = JSON.stringify(prev) !== JSON.stringify(s);
    return {
      state: { ...s, nextCheckAt: undefined, revision: changed ? prev.revision + 1 : prev.revision },
      flips: [],
      changed,
    };
  }
  const p = evaluatePunctual(job, s, now);
  const err = evaluateErrors(job, s, now);
  const next: JobState = { ...s, buckets: err.buckets, expectedAt: p.expectedAt };
  const flips: Flip[] = [];
  if (p.status !== prev.status || (p.reason !== prev.reason && p.status !== 'up' && p.status !== 'new')) {
    if (p.status !== prev.status)
      flips.push({ condition: 'status', from: prev.status, to: p.status, effectiveAt: p.since, at, reason: p.reason });
    next.status = p.status;
    next.statusSince = p.status !== prev.status ? p.since : prev.statusSince;
  }
  next.reason = p.status === 'up' || p.status === 'new' ? undefined : p.reason;
  if (err.level !== prev.errorLevel) {
    flips.push({ condition: 'errors', from: prev.errorLevel, to: err.level, effectiveAt: at, at, reason: err.reason });
    next.errorLevelSince = at;
  }
  next.errorLevel = err.level;
  next.errorReason = err.reason;
  const candidates = [p.nextCheckAt, err.nextCheckAt].filter((t): t is string => t !== undefined && t > at).sort();
  next.nextCheckAt = candidates[0];
  const changed = JSON.stringify({ ...prev, revision: 0 }) !== JSON.stringify({ ...next, revision: 0 });
  next.revision = changed ? prev.revision + 1 : prev.revision;
  return { state: changed ? next : prev, flips, changed };
}

/** A ping arrived: record it, then re-evaluate. Pings to a paused job are recorded but change nothing else. */
export function applyPing(job: JobSettings, s: JobState, ping: Ping, now: Date): JobTransition {
  const n: JobState = { ...s, lastPingAt: ping.at, lastPingKind: ping.kind, firstPingAt: s.firstPingAt ?? ping.at };
  if (ping.kind === 'start') n.lastStartAt = ping.at;
  else {
    if (ping.kind === 'success') n.lastSuccessAt = ping.at;
    else n.lastFailAt = ping.at;
    const completion = later(s.lastSuccessAt, s.lastFailAt);
    const runOpen = s.lastStartAt !== undefined && (completion === undefined || s.lastStartAt > completion);
    n.lastRun = {
      at: ping.at,
      kind: ping.kind,
      processed: ping.processed,
      errored: ping.processed !== undefined || ping.errored !== undefined ? (ping.errored ?? 0) : undefined,
      durationMs: runOpen ? ms(ping.at) - ms(s.lastStartAt!) : undefined,
    };
    if (job.errorRatio && ping.processed !== undefined)
      n.buckets = addToBuckets(
        inWindow(s.buckets, job.errorRatio, now),
        job.errorRatio,
        ping.at,
        ping.processed,
        ping.errored ?? 0,
      );
  }
  return evaluate(job, s, n, now);
}

/** The clock moved (the job's durable timer): re-evaluate. */
export function checkJob(job: JobSettings, s: JobState, now: Date): JobTransition {
  return evaluate(job, s, s, now);
}

/** The definition changed (schedule, grace, thresholds): re-evaluate with the new settings. */
export const reevaluateJob = checkJob;

export function pauseJob(s: JobState, now: Date): JobTransition {
  if (s.status === 'paused') return { state: s, flips: [], changed: false };
  const at = now.toISOString();
  const flips: Flip[] = [{ condition: 'status', from: s.status, to: 'paused', effectiveAt: at, at }];
  if (s.errorLevel !== 'ok')
    flips.push({ condition: 'errors', from: s.errorLevel, to: 'ok', effectiveAt: at, at, reason: 'paused' });
  return {
    state: {
      ...s,
      status: 'paused',
      statusSince: at,
      reason: undefined,
      errorLevel: 'ok',
      errorLevelSince: at,
      errorReason: undefined,
      nextCheckAt: undefined,
      revision: s.revision + 1,
    },
    flips,
    changed: true,
  };
}

/** Resume: lateness counts from now (the next expected time after the resume), old failures are forgotten. */
export function resumeJob(job: JobSettings, s: JobState, now: Date): JobTransition {
  if (s.status !== 'paused') return { state: s, flips: [], changed: false };
  const at = now.toISOString();
  const resumed: JobState = { ...s, status: 'new', resumedAt: at, buckets: [], lastRun: undefined };
  const r = evaluate(job, { ...s, status: 'new', statusSince: at }, resumed, now);
  const to = r.state.status;
  return {
    state: { ...r.state, statusSince: at, revision: s.revision + 1 },
    flips: [
      { condition: 'status', from: 'paused', to, effectiveAt: at, at },
      ...r.flips.filter((f) => f.condition !== 'status'),
    ],
    changed: true,
  };
}
