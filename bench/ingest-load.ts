// bench:ingest's load generator, run in a child process of its own (forked by bench/ingest.ts) so
// that the runtime's CPU figures hold the runtime alone: the senders' fetch, HTTP parsing and JSON
// are this process's CPU, reported apart. The parent sends one phase at a time over IPC and gets the
// answers' tally and this process's CPU ms for that phase back.
import { fork, type ChildProcess } from 'node:child_process';
import type { AmAlert } from '../test/support/alertmanager';
import { offerAlerts, sleep } from './support';

export type LoadPhase =
  | { kind: 'offered'; url: string; rate: number; seconds: number; firstNew: number }
  | { kind: 'closed'; url: string; clients: number; seconds: number; firstNew: number };

export interface LoadTally {
  alerts: number;
  latencies: number[];
  answers: Record<number, number>;
}

export interface LoadResult {
  tally: LoadTally;
  /** CPU ms (user + system) of the load generator's process during the phase. */
  cpuMs: number;
}

export const alertFor = (key: number): AmAlert => ({
  labels: {
    alertname: `BenchAlert${key % 50}`,
    instance: `host-${key}:9100`,
    service: `svc-${key % 20}`,
    severity: 'warning',
    bench: String(key),
  },
  summary: `bench ${key}`,
  startsAt: '2026-11-21T00:00:00Z',
});

/** Keys for a phase: a new key or (half the time) one already sent. */
function keyPicker(firstNew: number) {
  const sent: number[] = [];
  let next = firstNew;
  return () => {
    if (sent.length && Math.random() < 0.5) return sent[Math.floor(Math.random() * sent.length)]!;
    sent.push(next);
    return next++;
  };
}

const batchOf = (pick: () => number) =>
  Array.from({ length: 1 + Math.floor(Math.random() * 10) }, () => alertFor(pick()));

/** Offer a batch; count its answer; only a 202's alerts count as served. */
async function offerCounted(url: string, batch: AmAlert[], tally: LoadTally): Promise<void> {
  const { status, ms } = await offerAlerts(url, batch);
  tally.answers[status] = (tally.answers[status] ?? 0) + 1;
  tally.latencies.push(ms);
  if (status === 202) tally.alerts += batch.length;
}

async function runPhase(p: LoadPhase): Promise<LoadTally> {
  const pick = keyPicker(p.firstNew);
  const tally: LoadTally = { alerts: 0, latencies: [], answers: {} };
  if (p.kind === 'offered') {
    // Batches of 1-10 alerts sent on a fixed schedule (rate alerts/s), whatever the answers.
    const inflight: Promise<void>[] = [];
    const target = p.rate * p.seconds;
    const started = performance.now();
    let sent = 0;
    while (sent < target) {
      const due = started + (sent / p.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const batch = batchOf(pick);
      sent += batch.length;
      inflight.push(offerCounted(p.url, batch, tally));
    }
    await Promise.all(inflight);
  } else {
    // Closed loop: each client sends its next batch of 1-10 when the last was answered.
    const until = performance.now() + p.seconds * 1000;
    const client = async () => {
      while (performance.now() < until) await offerCounted(p.url, batchOf(pick), tally);
    };
    await Promise.all(Array.from({ length: p.clients }, client));
  }
  return tally;
}

/** The parent's handle on the generator process. */
export interface LoadGenerator {
  run(phase: LoadPhase): Promise<LoadResult>;
  stop(): void;
}

/** The parent's Node flags (its loader, tsx) without the profiler's, which are meant for the runtime. */
function childExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--cpu-prof')) out.push(a);
    else if (!a.includes('=') && a !== '--cpu-prof') i++; // --cpu-prof-dir DIR: skip its value too
  }
  return out;
}

export function startLoadGenerator(): LoadGenerator {
  const child: ChildProcess = fork(__filename, ['--load-generator'], {
    execArgv: childExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    run: (phase) =>
      new Promise<LoadResult>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
        child.once('exit', onExit);
        child.once('message', (m) => {
          child.off('exit', onExit);
          const r = m as LoadResult | { error: string };
          if ('error' in r) reject(new Error(r.error));
          else resolve(r);
        });
        child.send(phase, (err) => {
          if (err) {
            child.off('exit', onExit);
            reject(err);
          }
        });
      }),
    stop: () => void child.kill(),
  };
}

if (process.argv.includes('--load-generator')) {
  process.on('message', (phase: LoadPhase) => {
    const cpu0 = process.cpuUsage();
    runPhase(phase).then(
      (tally) => {
        const cpu = process.cpuUsage(cpu0);
        process.send!({ tally, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies LoadResult);
      },
      (err: unknown) => process.send!({ error: String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
