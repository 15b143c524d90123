// npm run bench:scale — does an alert cost more when the store is big? (issue 15, "scale shape")
// Two local runtimes, one after the other, each with its own DynamoDB Local:
//   empty   nothing stored; then the same measurements after 1,000 incidents were opened
//   stored  BENCH_STORED alerts (default 100,000) already stored before the runtime starts,
//           written by the webhook's own store code (normalize + storeDelivery) with the table's
//           stream off, so they are history, not work for the incident engine
// Each measurement sends BENCH_ALERTS new alerts (default 200) in batches of 10 through the webhook,
// half of them opening incidents and half joining one, and waits until everything is drained; it
// prints CPU ms per alert of this process and of DynamoDB Local, DynamoDB requests and units per
// alert by function, and the load average. Counts do not depend on the machine's load; CPU does a
// little (JIT, GC; each runtime is warmed up by one unreported measurement first), so compare the
// rows of one run. Storing the history takes minutes (about 40 alerts/s at load 18 here).
// Prints one JSON line.
import { normalize } from '../shared/domain/normalizers';
import { storeDelivery } from '../shared/store/ingestion';
import { amPayload, type AmAlert } from '../test/support/alertmanager';
import { setRules } from '../test/support/incidents';
import { capacityCounter, measureDrained, perUnitTally, postAlerts, round, startBench, type BenchEnv } from './support';

const STORED = Number(process.env.BENCH_STORED ?? 100_000);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 200);
const OPEN_INCIDENTS = 1000;
const INTEGRATION = 'demo-alertmanager';

let run = 0;
/** `n` new alerts: the even ones each open an incident of their own, the odd ones join one group. */
function newAlerts(n: number): AmAlert[] {
  run++;
  return Array.from({ length: n }, (_, i) => ({
    labels: {
      alertname: i % 2 ? `ScaleJoin${run}` : `ScaleNew${run}-${i}`,
      instance: `host-${run}-${i}:9100`,
      service: 'scale-bench',
      severity: 'critical',
    },
    summary: `scale bench ${run}/${i}`,
    startsAt: '2026-11-21T00:00:00Z',
  }));
}

async function measure(env: BenchEnv, capacity: ReturnType<typeof capacityCounter>) {
  const alerts = newAlerts(ALERTS);
  const m = await measureDrained(env, capacity, async () => {
    for (let i = 0; i < alerts.length; i += 10) await postAlerts(env.rt.url, alerts.slice(i, i + 10));
  });
  const { requests, writes, rru, wru, byFunction } = perUnitTally(m.tally, ALERTS);
  return {
    cpuMsPerAlert: {
      nocturne: round(m.cpuMs.nocturne / ALERTS),
      dynamodbLocal: m.cpuMs.dynamodbLocal === null ? null : round(m.cpuMs.dynamodbLocal / ALERTS),
    },
    dynamodbPerAlert: { requests, writes, rru, wru },
    byFunction,
    loadAverage1m: m.loadAverage1m,
  };
}

/** Each new group opens its own incident (the demo's storm guard would fold a thousand into one). */
const oneIncidentPerGroup = () =>
  setRules({ defaultRoute: { team: 'platform', groupBy: ['alertname'] }, storm: { maxIncidentsPerMinute: 10_000 } });

/** Alerts written as the webhook writes them, with no runtime running: stored history. */
async function storeHistory(n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let start = next; start < n; start = next) {
      next += 25;
      const alerts: AmAlert[] = Array.from({ length: Math.min(25, n - start) }, (_, i) => ({
        labels: { alertname: `History${(start + i) % 500}`, instance: `old-${start + i}:9100`, service: 'history' },
        summary: `history ${start + i}`,
        startsAt: '2026-10-01T00:00:00Z',
      }));
      const body = JSON.stringify(amPayload(alerts));
      const receivedAt = new Date().toISOString();
      const canonical = normalize(
        'alertmanager',
        { body, contentType: 'application/json', query: {} },
        { integrationId: INTEGRATION, receivedAt },
      );
      await storeDelivery({
        integrationId: INTEGRATION,
        body,
        contentType: 'application/json',
        receivedAt,
        alerts: canonical,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};

  const capacity = capacityCounter(); // one for the process: it counts whichever runtime is running
  let env = await startBench();
  try {
    await oneIncidentPerGroup();
    await measure(env, capacity); // warm-up (JIT, caches, connections): not reported
    results.empty = await measure(env, capacity);
    const opening = Array.from({ length: OPEN_INCIDENTS }, (_, i) => ({
      labels: { alertname: `Open${i}`, instance: `open-${i}:9100`, service: 'scale-bench', severity: 'critical' },
      startsAt: '2026-11-21T00:00:00Z',
    }));
    for (let i = 0; i < opening.length; i += 50) await postAlerts(env.rt.url, opening.slice(i, i + 50));
    await env.rt.settle();
    results[`with${OPEN_INCIDENTS}OpenIncidents`] = await measure(env, capacity);
  } finally {
    await env.stop();
  }

  const seeding = performance.now();
  env = await startBench({}, () => storeHistory(STORED));
  const seededSeconds = round((performance.now() - seeding) / 1000, 1);
  try {
    await oneIncidentPerGroup();
    await measure(env, capacity); // warm-up
    results[`with${STORED}StoredAlerts`] = { ...(await measure(env, capacity)), seededSeconds };
  } finally {
    await env.stop();
  }
  console.log(JSON.stringify({ bench: 'scale', alertsPerMeasurement: ALERTS, ...results }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
