// Finding a round's due probes and fanning them out as `Probe Batch Due` events. The scheduler
// claims nothing: workers claim each probe's round, so a scheduler that runs twice, or finds a
// probe a worker has not reached yet, causes no second check.
import type { BusEvent, EventPublisher } from '../../shared/adapters/events';
import {
  batchesOf,
  PROBE_BATCH_DETAIL_TYPE,
  PROBE_BATCH_SIZE,
  PROBE_ROUND_SOURCE,
  type ProbeBatchDetail,
} from '../../shared/domain/probes/rounds';
import { dueProbes } from '../../shared/store/probes';

export async function scheduleRound(
  now: Date,
  publisher: EventPublisher,
  batchSize = PROBE_BATCH_SIZE,
): Promise<{ due: number; batches: number }> {
  const due = await dueProbes(now);
  const round = now.toISOString();
  const events: BusEvent[] = batchesOf(due, batchSize).map((probes) => {
    const detail: ProbeBatchDetail = { version: 1, round, probes };
    return { source: PROBE_ROUND_SOURCE, detailType: PROBE_BATCH_DETAIL_TYPE, time: round, detail };
  });
  if (events.length) await publisher.publish(events);
  return { due: due.length, batches: events.length };
}
