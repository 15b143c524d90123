// npm run bench:storm — a network partition: 5,000 alerts from 500 hosts over 60 s through the
// local runtime. Prints alerts/s processed, incidents opened and notifications that would go
// out (target: at most 5 incidents, one notification each), p99 time from an alert being
// received to its incident being stored, the pages and the time from the group windows' close to
// each incident's first page, and DynamoDB requests per alert. One JSON line; it then checks what
// it printed (every alert placed, at most 5 incidents, one notification and a page for each) and
// exits 1 naming what failed.
import path from 'node:path';
import { readJsonl } from '../infra/local/jsonl';
import { sweepOnce } from '../functions/timer-sweeper/sweep';
import { timerHandlers } from '../functions/timer-sweeper/registry';
import { amPayload, type AmAlert } from '../test/support/alertmanager';
import { pagesSent, percentile, requestsOf, round, scanType, sleep, startBench } from './support';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 500);
const PER_HOST = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const NAMES = [
  'HostUnreachable',
  'ScrapeFailed',
  'ProbeTimeout',
  'HighPacketLoss',
  'BgpSessionDown',
  'NtpUnsynced',
  'DiskIoStalled',
  'ServiceDown',
  'HighLatency',
  'ErrorRate',
];
const SERVICES = Array.from({ length: 10 }, (_, i) => `edge-${i}`);

async function main(): Promise<void> {
  const env = await startBench();
  const url = env.rt.url;
  try {
    const alerts: AmAlert[] = [];
    for (let h = 0; h < HOSTS; h++)
      for (let k = 0; k < PER_HOST; k++)
        alerts.push({
          labels: {
            alertname: NAMES[k]!,
            host: `node-${h}`,
            service: SERVICES[h % SERVICES.length]!,
            severity: 'critical',
            partition: 'dc-2',
          },
        });
    // Alertmanager sends one notification per group every few hundred ms during a partition.
    const batches: AmAlert[][] = [];
    for (let i = 0; i < alerts.length; i += 50) batches.push(alerts.slice(i, i + 50));
    env.resetCounts();
    const started = performance.now();
    await Promise.all(
      batches.map(async (batch, i) => {
        await sleep((i / batches.length) * SECONDS * 1000);
        const r = await fetch(`${url}/hooks/demo-alertmanager`, {
          method: 'POST',
          headers: { authorization: 'Bearer demo-alertmanager-token', 'content-type': 'application/json' },
          body: JSON.stringify(amPayload(batch)),
        });
        if (r.status !== 202) throw new Error(`webhook answered ${r.status}: ${await r.text()}`);
      }),
    );
    const ingestedSeconds = (performance.now() - started) / 1000;
    await env.rt.settle();
    const processedSeconds = (performance.now() - started) / 1000;
    // Close every group window: the sweep runs the group-window timers as if their due time had
    // come (the windows are 30 s; the alerts took SECONDS to send), and the pages follow for real.
    const windowsClosedAt = Date.now();
    await sweepOnce(() => new Date(Date.now() + 60_000), { handlers: timerHandlers });
    await env.rt.settle();
    const { count: pages, firstByIncident: firstPage } = pagesSent(env.rt.dataDir);

    const dispositions = await scanType('AlertDisposition');
    const stored = await scanType('Alert');
    const receivedAt = new Map(stored.map((a) => [a.id as string, Date.parse(a.firstReceivedAt as string)]));
    const lag = dispositions.map(
      (d) => Date.parse(d.at as string) - (receivedAt.get(d.alertId as string) ?? Date.parse(d.at as string)),
    );
    const incidentEvents = readJsonl<{
      source: string;
      'detail-type': string;
      detail: { notify: boolean; incident: { id: string } };
    }>(path.join(env.rt.dataDir, 'events.jsonl')).filter((e) => e.source === 'nocturne.incidents');
    const opened = new Set<string>();
    let notifications = 0;
    for (const e of incidentEvents) {
      if (e['detail-type'] === 'Incident Opened') opened.add(e.detail.incident.id);
      if (e.detail.notify) notifications++;
    }
    const byKind: Record<string, number> = {};
    for (const d of dispositions) byKind[d.kind as string] = (byKind[d.kind as string] ?? 0) + 1;
    const windowToPage = [...opened].flatMap((id) => (firstPage.has(id) ? [firstPage.get(id)! - windowsClosedAt] : []));
    const perFunction: Record<string, number> = {};
    for (const [fn, ops] of env.byFunction)
      perFunction[fn] = round([...ops.values()].reduce((a, b) => a + b, 0) / alerts.length);
    console.log(
      JSON.stringify({
        bench: 'storm',
        alerts: alerts.length,
        hosts: HOSTS,
        sendSeconds: round(ingestedSeconds, 1),
        processedSeconds: round(processedSeconds, 1),
        alertsPerSecondProcessed: round(alerts.length / processedSeconds, 1),
        incidents: opened.size,
        notifications,
        dispositions: byKind,
        receivedToIncidentStoredMs: {
          p50: round(percentile(lag, 50)),
          p99: round(percentile(lag, 99)),
          max: round(Math.max(...lag)),
        },
        pages,
        incidentsPaged: windowToPage.length,
        windowClosedToFirstPageMs: {
          p50: round(percentile(windowToPage, 50)),
          p99: round(percentile(windowToPage, 99)),
          max: round(Math.max(...windowToPage)),
        },
        dynamodbRequestsPerAlert: round(requestsOf(env.counts) / alerts.length),
        dynamodbRequestsPerAlertByFunction: perFunction,
      }),
    );
    const placed = Object.values(byKind).reduce((a, b) => a + b, 0);
    const failures = [
      placed !== alerts.length && `${placed} of ${alerts.length} alerts have a disposition`,
      (opened.size < 1 || opened.size > 5) && `${opened.size} incidents opened (expected 1 to 5)`,
      notifications !== opened.size &&
        `${notifications} notifications for ${opened.size} incidents (expected one each)`,
      windowToPage.length !== opened.size && `${windowToPage.length} of ${opened.size} incidents paged`,
    ].filter((f): f is string => typeof f === 'string');
    if (failures.length) {
      console.error(`bench:storm FAIL: ${failures.join('; ')}`);
      process.exitCode = 1;
    } else
      console.log('bench:storm checks pass: every alert placed, at most 5 incidents, one notification and a page each');
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
