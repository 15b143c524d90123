// Demo revenue assurance for `npm start` (and the end-to-end tests): the RA ticket queue and category,
// both sides' usage files for the last three days with known injected problems, sealed with the RA
// key, delivered to the local S3 inbox and loaded (the Load daemon's run), and one run of yesterday started
// through the ra-reconcile state machine (findings, a leakage violation as a nocturne-ra alert and its
// ticket follow; only when the runtime runs schedules, so tests get the data alone).
// Volume anomalies: eight weeks of daily volumes before those days are stored as imported volume
// history (the baseline the volume-anomaly control reads where no run is), and yesterday lost two
// thirds of its data sessions on both sides — reconciliation cannot see that (the sides agree), the
// volume-anomaly control flags it as a drop. Everything is relative to the demo's now.
// Create-if-missing: a restart starts no second run.
import { keyIdOf, sealEnvelope } from '../../../shared/adapters/envelope';
import { SfnOrderExecutions } from '../../../shared/adapters/order-executions';
import { bucketName, listObjects, putObject } from '../../../shared/adapters/s3';
import { loadInbox } from '../../../shared/app/revenue/load';
import { RA_BUCKET, RA_KEY, startRun, yesterdayOf } from '../../../shared/app/revenue/runs';
import { raKeys } from '../../../shared/domain/revenue/files';
import type { Category, Queue } from '../../../shared/domain/tickets/config';
import type { FindingClass, Side } from '../../../shared/domain/revenue/types';
import { getVolumeHistory, listRuns, putVolumeHistory } from '../../../shared/store/revenue';
import type { VolumePoint } from '../../../shared/domain/revenue/anomalies';
import { ensureConfig } from '../../../shared/store/ticket-config';
import type { DemoSeedContext } from './index';

export const RA_QUEUE: Queue = {
  id: 'revenue-assurance',
  name: 'Revenue assurance',
  email: 'ra-team@nocturne.local',
  assignmentMode: 'round-robin',
  members: [
    { id: 'dana', name: 'Dana Diaz', email: 'dana@nocturne.local', skills: ['billing'], available: true },
    { id: 'eli', name: 'Eli Evans', email: 'eli@nocturne.local', skills: ['billing'], available: true },
  ],
  lead: { id: 'finn', name: 'Finn Fox', email: 'finn@nocturne.local' },
};

export const RA_CATEGORY: Category = {
  id: 'revenue-assurance',
  name: 'Revenue assurance violation',
  description:
    'A breached RA control (leakage, missing in billing, volume anomaly, rejected file): docs/revenue-assurance.md.',
  fields: [],
  defaultPriority: 'P3',
  defaultQueueId: 'revenue-assurance',
  slaPolicyId: 'standard',
  requiredSkills: [],
  reopenWindowHours: 168,
  notify: { created: ['queue'] },
  requesterVisible: false,
  emailAddresses: [],
};

export interface UsageDay {
  /** CSV with the default header (our billing). */
  billing: string;
  /** JSON Lines (the MNO). */
  network: string;
  /** The classes the run must find (the injected truth). */
  expected: Record<Exclude<FindingClass, 'matched'>, number> & { matched: number };
}

const SERVICES = ['voice', 'sms', 'data'] as const;

/** Records a day of the `npm start` demo holds (1,200 per service and direction: above the anomaly check's minimum volume). */
export const DEMO_DAY_RECORDS = 7200;

/**
 * Two sides' usage of one day, deterministic: `records` calls, SMS and data sessions of 50
 * subscribers, with problems injected at fixed positions (unless `clean`): records the MNO charged
 * and we never billed, billed records the MNO does not know, quantities outside tolerance, charges
 * rated wrongly, billing duplicates, and jitter within tolerance. With `lostData`, two of every
 * three data sessions are missing on both sides (an outage upstream of both: the sides agree).
 */
export function demoUsageDay(
  period: string,
  opts: { records?: number; clean?: boolean; lostData?: boolean } = {},
): UsageDay {
  const n = opts.records ?? 400;
  const billing = ['record_id,subscriber,service,direction,start_time,quantity,unit,charge'];
  const network: string[] = [];
  const expected: UsageDay['expected'] = {
    matched: 0,
    within_tolerance: 0,
    quantity_mismatch: 0,
    missing_in_billing: 0,
    missing_at_network: 0,
    duplicate: 0,
    rating_error: 0,
  };
  for (let i = 0; i < n; i++) {
    const service = SERVICES[i % 3]!;
    if (opts.lostData && service === 'data' && Math.floor(i / 3) % 3 !== 0) continue;
    const direction = i % 2 === 0 ? 'mo' : 'mt';
    const id = `${period}-c${String(i).padStart(6, '0')}`;
    const subscriber = `49170${String(1000 + (i % 50))}`;
    const start = `${period}T${String(Math.floor((i * 24) / n)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`;
    const quantity = service === 'voice' ? 30 + (i % 300) : service === 'sms' ? 1 : 100_000 + i * 1000;
    const charge =
      service === 'voice'
        ? Math.round(quantity * 0.0015 * 1e4) / 1e4
        : service === 'sms'
          ? 0.09
          : Math.round((quantity / 1e6) * 0.05 * 1e4) / 1e4;
    let b: { quantity: number; charge: number } | undefined = { quantity, charge };
    let nw: { quantity: number; charge: number } | undefined = { quantity, charge };
    let copies = 1;
    let cls: FindingClass = 'matched';
    if (!opts.clean) {
      if (i % 97 === 5) [b, cls] = [undefined, 'missing_in_billing'];
      else if (i % 89 === 7) [nw, cls] = [undefined, 'missing_at_network'];
      else if (i % 83 === 11 && service === 'voice')
        [nw, cls] = [{ quantity: quantity + 30, charge }, 'quantity_mismatch'];
      else if (i % 79 === 13) [b, cls] = [{ quantity, charge: charge + 0.5 }, 'rating_error'];
      else if (i % 71 === 17 && service === 'voice')
        [nw, cls] = [{ quantity: quantity + 1, charge }, 'within_tolerance'];
      else if (i % 101 === 19) copies = 2;
    }
    expected[cls]++;
    if (copies === 2) expected.duplicate++;
    const unit = service === 'voice' ? 's' : service === 'sms' ? 'count' : 'B';
    for (let c = 0; b && c < copies; c++)
      billing.push([id, subscriber, service, direction, start, b.quantity, unit, b.charge].join(','));
    if (nw)
      network.push(
        JSON.stringify({
          record_id: id,
          subscriber,
          service,
          direction,
          start_time: start,
          quantity: nw.quantity,
          unit,
          charge: nw.charge,
        }),
      );
  }
  return { billing: billing.join('\n') + '\n', network: network.join('\n') + '\n', expected };
}

/** Where a side's file of a day is delivered in the RA bucket (the Load daemon's inbox). */
export function usageFileKey(side: Side, period: string, name = side === 'billing' ? 'usage.csv' : 'usage.jsonl') {
  return raKeys.inbox({ side, period, name });
}

/** Seals one day of both sides as partners deliver them, into the inbox, and loads them (the Load daemon's run). */
export async function deliverUsageDay(period: string, day: UsageDay, now: Date): Promise<void> {
  const bucket = bucketName(RA_BUCKET);
  const keyId = keyIdOf(RA_KEY);
  for (const side of ['billing', 'network'] as const)
    await putObject(bucket, usageFileKey(side, period), await sealEnvelope(Buffer.from(day[side]), keyId));
  await loadInbox({ bucket, keyId, now });
}

const DAY_MS = 86_400_000;
const dayBefore = (period: string, days: number) =>
  new Date(Date.parse(`${period}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);

/** A deterministic wobble in [-3 %, +3 %] of a series on a day (a hash of both). */
function wobble(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return (((h >>> 0) % 601) - 300) / 10_000;
}

/**
 * The demo's imported volume history: `weeks` weeks of daily volumes per series
 * (`side:service:direction`) for the days before the three delivered ones (yesterday and the two
 * days before it), each series near a usual demo day's 1,200 records.
 */
export function demoVolumeHistory(yesterday: string, weeks = 8): Array<{ period: string; volumes: VolumePoint[] }> {
  const perSeries = DEMO_DAY_RECORDS / 6;
  return Array.from({ length: weeks * 7 }, (_, d) => {
    const period = dayBefore(yesterday, d + 3);
    const volumes: VolumePoint[] = [];
    for (const side of ['billing', 'network'])
      for (const service of SERVICES)
        for (const direction of ['mo', 'mt']) {
          const series = `${side}:${service}:${direction}`;
          volumes.push({ series, period, volume: Math.round(perSeries * (1 + wobble(`${period}#${series}`))) });
        }
    return { period, volumes };
  });
}

export async function seedRevenueDemo({ now, background }: DemoSeedContext): Promise<void> {
  await ensureConfig('queue', RA_QUEUE, now);
  await ensureConfig('category', RA_CATEGORY, now);
  const at = new Date(now);
  const yesterday = yesterdayOf(at);
  const bucket = bucketName(RA_BUCKET);
  for (const h of demoVolumeHistory(yesterday))
    if (!(await getVolumeHistory(h.period))) await putVolumeHistory({ ...h, source: 'demo', importedAt: now });
  for (let back = 1; back <= 3; back++) {
    const period = dayBefore(yesterday, back - 1);
    if ((await listObjects(bucket, raKeys.periodManifests('billing', period))).length === 0)
      await deliverUsageDay(
        period,
        demoUsageDay(period, { records: DEMO_DAY_RECORDS, lostData: period === yesterday }),
        at,
      );
  }
  if (!background || (await listRuns({ limit: 1, period: yesterday })).items.length > 0) return;
  await startRun({
    period: yesterday,
    trigger: { kind: 'api', by: 'demo' },
    now: at,
    executions: new SfnOrderExecutions(),
  });
}
