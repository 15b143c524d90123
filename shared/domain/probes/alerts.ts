// What a probe's or job's committed state means for the alert pipeline: for each condition
// (status, certificate, error ratio) either a firing alert of some severity or none. Nocturne
// enters these into the pipeline as the built-in integration `nocturne-probes`, exactly as an
// external monitor's webhook would, so incidents, routing and paging treat them alike.
// Pure: the store reads the state and the live alerts and applies the difference.
import { builtinAlert, type AlertSeverity, type CanonicalAlert } from '../alert';
import type { ProbeKind } from './definitions';
import type { ErrorLevel, JobReason, JobState } from './job-state';
import type { ProbeState } from './probe-state';

export const PROBES_INTEGRATION_ID = 'nocturne-probes';
export const PROBES_INTEGRATION_NAME = 'Nocturne probes and jobs (built in)';

export interface ProbeSubject {
  kind: 'probe';
  id: string;
  name: string;
  probeKind: ProbeKind;
  /** URL, host:port or DNS name: what is probed. */
  target: string;
  service?: string;
  team?: string;
  labels?: Record<string, string>;
  state: ProbeState;
}

export interface JobSubject {
  kind: 'job';
  id: string;
  name: string;
  type: string;
  category: string;
  activity: string;
  service?: string;
  team: string;
  labels?: Record<string, string>;
  schedule: string;
  state: JobState;
}

export type Subject = ProbeSubject | JobSubject;
export type SubjectKind = Subject['kind'];

export interface DesiredAlert {
  dedupKey: string;
  condition: 'status' | 'certificate' | 'errors';
  /** Undefined: nothing should fire for this condition. */
  firing?: { severity: AlertSeverity; summary: string; startsAt: string; details: Record<string, unknown> };
  labels: Record<string, string>;
  service?: string;
  resource: string;
  link: string;
}

/** Every dedup key a subject can use (deleting it resolves them all). */
export function dedupKeysFor(
  kind: SubjectKind,
  id: string,
): Array<{ dedupKey: string; condition: DesiredAlert['condition'] }> {
  return kind === 'probe'
    ? [
        { dedupKey: `probe:${id}`, condition: 'status' },
        { dedupKey: `probe:${id}:certificate`, condition: 'certificate' },
      ]
    : [
        { dedupKey: `job:${id}`, condition: 'status' },
        { dedupKey: `job:${id}:errors`, condition: 'errors' },
      ];
}

export function labelsOf(s: Subject, condition: DesiredAlert['condition']): Record<string, string> {
  const base: Record<string, string> = { ...(s.labels ?? {}) };
  if (s.kind === 'probe') Object.assign(base, { probe: s.id, kind: s.probeKind, alertname: `Probe ${s.name}` });
  else Object.assign(base, { job: s.id, kind: 'job', type: s.type, category: s.category, alertname: `Job ${s.name}` });
  if (s.service) base.service = s.service;
  if (s.team) base.team = s.team;
  base.condition = condition;
  return base;
}

const JOB_REASON_TEXT: Record<JobReason, string> = {
  'not-on-time': 'no success by the expected time',
  'too-long': 'a started run did not finish within its maximum run time',
  failed: 'the last run reported failure',
};

const ERROR_SEVERITY: Record<Exclude<ErrorLevel, 'ok'>, AlertSeverity> = { warning: 'warning', critical: 'error' };

export function desiredAlerts(s: Subject): DesiredAlert[] {
  const common = (condition: DesiredAlert['condition'], dedupKey: string): Omit<DesiredAlert, 'firing'> => ({
    dedupKey,
    condition,
    labels: labelsOf(s, condition),
    service: s.service,
    resource: s.kind === 'probe' ? s.target : `job:${s.id}`,
    link: s.kind === 'probe' ? `/probes/${s.id}` : `/jobs/${s.id}`,
  });
  const out: DesiredAlert[] = [];
  if (s.kind === 'probe') {
    const st = s.state;
    const status = common('status', `probe:${s.id}`);
    out.push(
      st.status === 'down'
        ? {
            ...status,
            firing: {
              severity: 'critical',
              summary: `Probe ${s.name} is down: ${st.reason ?? 'checks fail'}`,
              startsAt: st.statusSince,
              details: {
                target: s.target,
                probeKind: s.probeKind,
                consecutiveFailures: st.consecutiveFailures,
                lastResult: st.lastResult,
              },
            },
          }
        : status,
    );
    const cert = common('certificate', `probe:${s.id}:certificate`);
    out.push(
      st.status !== 'paused' && st.certificate?.expiring
        ? {
            ...cert,
            firing: {
              severity: 'warning',
              summary: `Certificate of ${s.name} expires in ${st.certificate.daysLeft} days (${st.certificate.validTo})`,
              startsAt: st.certificate.since,
              details: {
                target: s.target,
                validTo: st.certificate.validTo,
                subject: st.certificate.subject,
                daysLeft: st.certificate.daysLeft,
              },
            },
          }
        : cert,
    );
    return out;
  }
  const st = s.state;
  const status = common('status', `job:${s.id}`);
  const late = st.status === 'late' || st.status === 'down';
  out.push(
    late
      ? {
          ...status,
          firing: {
            severity: st.status === 'down' ? 'critical' : 'error',
            summary:
              st.reason === 'too-long'
                ? `Job ${s.name} is running too long (${st.status})`
                : `Job ${s.name} is ${st.status}: ${JOB_REASON_TEXT[st.reason ?? 'not-on-time']}`,
            startsAt: st.statusSince,
            details: {
              type: s.type,
              category: s.category,
              activity: s.activity,
              schedule: s.schedule,
              reason: st.reason,
              expectedAt: st.expectedAt,
              lastSuccessAt: st.lastSuccessAt,
              lastStartAt: st.lastStartAt,
              lastFailAt: st.lastFailAt,
            },
          },
        }
      : status,
  );
  const errors = common('errors', `job:${s.id}:errors`);
  out.push(
    st.status !== 'paused' && st.errorLevel !== 'ok'
      ? {
          ...errors,
          firing: {
            severity: ERROR_SEVERITY[st.errorLevel],
            summary: `Job ${s.name}: too many records in error (${st.errorReason ?? st.errorLevel})`,
            startsAt: st.errorLevelSince,
            details: {
              type: s.type,
              category: s.category,
              activity: s.activity,
              lastRun: st.lastRun,
              level: st.errorLevel,
            },
          },
        }
      : errors,
  );
  return out;
}

/** The canonical alert that moves the pipeline to the desired state for one condition. */
export function alertFor(d: DesiredAlert, now: string, live?: { startsAt: string }): CanonicalAlert {
  return builtinAlert(
    {
      dedupKey: d.dedupKey,
      labels: d.labels,
      service: d.service,
      resource: d.resource,
      link: { href: d.link, text: 'Nocturne' },
      firing: d.firing,
      resolved: { summary: `${d.labels.alertname ?? d.dedupKey}: ${d.condition} back to normal`, details: {} },
    },
    now,
    live,
  );
}
