// The RA daemons (Load, Extract) as monitored jobs of the probes feature's job registry: each
// registers itself on its first run (type, category, activity) and reports every run as a ping
// with its processed/errored counts, so the Punctual probe (a run every few minutes) and the
// Normal probe (errored/processed) watch it like any other batch job (docs/probes.md).
// Registration creates the job once; an operator's later edits (thresholds, grace, pause) stay.
import { ConflictError } from '../../domain/errors';
import { createJobSchema, type CreateJob, type PingKind } from '../../domain/probes/definitions';
import { RA_SERVICE } from '../../domain/revenue/alerts';
import { createJob, getJob, newPingKey, recordPing, type Job } from '../../store/probe-jobs';

export const RA_JOB_CATEGORY = 'Revenue assurance';
export const RA_JOB_TEAM = 'revenue-assurance';

/** The job each daemon registers as. `everyMinutes` matches its catalog schedule. */
export function daemonJob(def: {
  id: string;
  name: string;
  type: 'Load' | 'Extract';
  activity: string;
  everyMinutes: number;
}): CreateJob & { id: string } {
  return {
    id: def.id,
    name: def.name,
    type: def.type,
    category: RA_JOB_CATEGORY,
    activity: def.activity,
    team: RA_JOB_TEAM,
    service: RA_SERVICE,
    schedule: { kind: 'period', minutes: def.everyMinutes },
    // Two missed runs before it is down.
    graceMinutes: def.everyMinutes * 2,
    // Bad lines are normal in small numbers; more than 1% of a day's lines is worth a look, 5% a ticket.
    errorRatio: { warningPercent: 1, criticalPercent: 5, minVolume: 100, windowMinutes: 1440 },
    labels: { daemon: def.id },
  };
}

/** The daemon's job, registered if it is not yet. */
export async function ensureDaemonJob(job: CreateJob & { id: string }, now: Date): Promise<Job> {
  const existing = await getJob(job.id);
  if (existing) return existing;
  try {
    return await createJob({ ...createJobSchema.parse(job), id: job.id }, newPingKey(), now);
  } catch (err) {
    // Two runs registering at once: the other one won.
    if (err instanceof ConflictError) {
      const j = await getJob(job.id);
      if (j) return j;
    }
    throw err;
  }
}

export interface DaemonRunReport {
  kind: Exclude<PingKind, 'start'>;
  processed: number;
  errored: number;
  log?: string;
}

/** Registers the job if needed and records the run as its ping. Returns the job's status after it. */
export async function reportDaemonRun(
  job: CreateJob & { id: string },
  run: DaemonRunReport,
  now: Date,
): Promise<{ status: string; errorLevel: string }> {
  await ensureDaemonJob(job, now);
  const r = await recordPing(
    job.id,
    { kind: run.kind, processed: run.processed, errored: Math.min(run.errored, run.processed), log: run.log },
    now,
  );
  return { status: r?.job.state.status ?? 'deleted', errorLevel: r?.job.state.errorLevel ?? 'ok' };
}
