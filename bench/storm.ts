// npm run bench:storm — a network partition: 5,000 alerts from 500 hosts over 60 s through the
// local runtime. Prints alerts/s processed, incidents opened and notifications that would go
// out (target: at most 5 incidents, one notification each), p99 time from an alert being
// received to its incident being stored, and DynamoDB requests per alert. One JSON line.
import path from 'node:path';
import { readJsonl } from '../infra/local/jsonl';
import { sweepOnce } from '../functions/timer-sweeper/sweep';
import { timerHandlers } from '../functions/timer-sweeper/registry';
import { amPayload, type AmAlert } from '../test/support/alertmanager';
import { percentile, requestsOf, round, scanType, sleep, startBench } from './support';

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
    // Close every group window.
    await sweepOnce(() => new Date(Date.now() + 60_000), { handlers: timerHandlers });
    await env.rt.settle();

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
        dynamodbRequestsPerAlert: round(requestsOf(env.counts) / alerts.length),
        dynamodbRequestsPerAlertByFunction: perFunction,
      }),
    );
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
