// Probe timer kinds, assembled in functions/timer-sweeper/registry.ts. A monitored job has one
// durable timer (`probe-job#<id>`, kind `probe-job-check`) at the next moment its status can
// change on its own: late / down / too long / error window expiry (docs/decisions/0006).
import { checkJob } from '../../domain/probes/job-state';
import type { Flip } from '../../domain/probes/probe-state';
import { JOB_TIMER_KIND, jobSettingsOf, transitionJob } from '../../store/probe-jobs';
import type { TimerHandler } from '../../store/timers';

/** The job's durable timer fired: re-evaluate at `now` (idempotent). */
export async function checkJobOnTimer(id: string, now: Date): Promise<{ flips: Flip[] } | undefined> {
  const r = await transitionJob(id, now, (d, s) => ({ t: checkJob(jobSettingsOf(d), s, now) }));
  return r && { flips: r.flips };
}

export const probeTimerHandlers: Record<string, TimerHandler> = {
  [JOB_TIMER_KIND]: async (t, now) => {
    await checkJobOnTimer(String(t.payload.jobId), now);
  },
};
