// Alert storms as Alertmanager delivers them, for end-to-end scenarios: a sender that retries
// throttled and timed-out deliveries, and a storm of many hosts judged by the incidents it opens.
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { amPayload, type AmAlert } from './alertmanager';
import type { TestRuntime } from './local';

export interface Delivery {
  status: number;
  /** The answers before the last: 429/503 with Retry-After, or client timeouts (0). */
  retried: number[];
}

/**
 * As Alertmanager delivers: a 429 or 503 carrying Retry-After, or no answer within the sender's
 * timeout, is retried (the same body again: ingest makes the retry a no-op if the first try was
 * stored); anything else ends the delivery. Waits what Retry-After says (at most 10 s).
 */
export async function deliverLikeAlertmanager(
  on: TestRuntime,
  payload: unknown,
  deadlineMs = 300_000,
): Promise<Delivery> {
  const retried: number[] = [];
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    let r: Response | undefined;
    try {
      r = await on.request('POST', '/hooks/demo-alertmanager', {
        token: 'demo-alertmanager-token',
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError' || Date.now() > deadline) throw err;
      retried.push(0);
      continue;
    }
    const retryAfter = Number(r.headers.get('retry-after'));
    if (
      (r.status === 429 || r.status === 503) &&
      Number.isFinite(retryAfter) &&
      retryAfter >= 0 &&
      Date.now() < deadline
    ) {
      retried.push(r.status);
      await r.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 10) * 1000));
      continue;
    }
    return { status: r.status, retried };
  }
}

/** Deliver one firing batch like Alertmanager; it must end 202. */
export async function sendOn(
  on: TestRuntime,
  alerts: AmAlert[],
  status: 'firing' | 'resolved' = 'firing',
): Promise<Delivery> {
  const d = await deliverLikeAlertmanager(on, amPayload(alerts, status));
  expect(d.status).toBe(202);
  return d;
}

/** Four alerts per host, hosts spread over ten services: forty groups, far more than the storm guard allows. */
export function stormAlerts(partition: string, hosts: number): AmAlert[] {
  const services = ['edge-a', 'edge-b', 'edge-c', 'edge-d', 'edge-e', 'edge-f', 'edge-g', 'edge-h', 'edge-i', 'edge-j'];
  const names = ['HostUnreachable', 'ScrapeFailed', 'ProbeTimeout', 'HighPacketLoss'];
  const all: AmAlert[] = [];
  for (let h = 0; h < hosts; h++)
    for (const alertname of names)
      all.push({
        labels: {
          alertname,
          host: `node-${h}`,
          service: services[h % services.length]!,
          severity: 'critical',
          partition,
        },
      });
  return all;
}

/** Send a storm in batches (`parallel` deliveries at a time), settle, and judge what opened. */
export async function stormOn(
  on: TestRuntime,
  partition: string,
  o: { hosts: number; batch: number; parallel: number },
): Promise<Delivery[]> {
  const all = stormAlerts(partition, o.hosts);
  const opened = () =>
    on
      .busEvents()
      .filter((e) => e['detail-type'] === 'Incident Opened')
      .map((e) => e.detail as unknown as { notify: boolean; incident: { id: string; stormSize?: number } });
  const before = new Set(opened().map((d) => d.incident.id));
  const batches: AmAlert[][] = [];
  for (let i = 0; i < all.length; i += o.batch) batches.push(all.slice(i, i + o.batch));
  const deliveries: Delivery[] = [];
  for (let i = 0; i < batches.length; i += o.parallel)
    deliveries.push(...(await Promise.all(batches.slice(i, i + o.parallel).map((b) => sendOn(on, b)))));
  await on.settle();
  await sweepOnce(() => new Date(Date.now() + 31_000), { handlers: timerHandlers });
  await on.settle();
  const fresh = opened().filter((d) => !before.has(d.incident.id));
  const ids = new Set(fresh.map((d) => d.incident.id));
  expect(ids.size).toBeLessThanOrEqual(5);
  expect(fresh.filter((d) => d.notify)).toHaveLength(ids.size);
  expect(fresh.find((d) => d.incident.stormSize)).toBeDefined();
  return deliveries;
}
