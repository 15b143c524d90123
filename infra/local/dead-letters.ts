// Redrive of the local dead-letter file, as the AWS stack's redrive function does for its DLQs
// (docs/decisions/0009-no-accepted-alert-lost.md). Every entry of dlq.jsonl that names a function and
// carries its event is handed back to that function as an asynchronous invocation (with the host's
// full back-off retries), on start and then periodically. Each entry is replayed exactly once: its id
// is recorded in dlq-replayed.json once its replay settled (succeeded, or failed and was written to
// dlq.jsonl again as a new entry with one more redrive). An entry redriven maxRedrives times is left
// for a person, with a log line that says so. Handlers are idempotent, so a replay interrupted by a
// crash (replayed again on the next start) never pages twice.
import path from 'node:path';
import { readJson, readJsonl, writeJsonAtomic } from './jsonl';
import type { LambdaHost } from './lambda';

export interface DeadLetter {
  id?: string;
  time?: string;
  kind?: string;
  function?: string;
  error?: string;
  event?: unknown;
  /** How many times this event was already redriven before it landed here again. */
  redrives?: number;
}

type Settlement = 'replayed' | 'gave-up' | 'not-replayable';

export interface DeadLetterReplayOptions {
  dataDir: string;
  log: (line: string) => void;
  /** Redrives per event before it is left for a person (default 5). */
  maxRedrives?: number;
  /** Period of the automatic replay; 0 turns it off (default 60 s). */
  intervalMs?: number;
}

export interface ReplayReport {
  /** Entries handed back to their function by this pass. */
  replayed: number;
  /** Entries left for a person by this pass (too many redrives, or nothing to replay). */
  leftForPerson: number;
}

/** The id of an entry; entries written before ids existed are named by their time and line. */
export function deadLetterId(entry: DeadLetter, line: number): string {
  return entry.id ?? `line-${line}@${entry.time ?? ''}`;
}

export class DeadLetterReplayer {
  private readonly file: string;
  /** Invocations a stop cut short (lambda.ts): not failures, replayed the same way. */
  private readonly interruptedFile: string;
  private readonly stateFile: string;
  private readonly settled: Record<string, Settlement>;
  private readonly inFlight = new Set<string>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly host: LambdaHost,
    private readonly opts: DeadLetterReplayOptions,
  ) {
    this.file = path.join(opts.dataDir, 'dlq.jsonl');
    this.interruptedFile = path.join(opts.dataDir, 'interrupted.jsonl');
    this.stateFile = path.join(opts.dataDir, 'dlq-replayed.json');
    this.settled = readJson<{ settled?: Record<string, Settlement> }>(this.stateFile, {}).settled ?? {};
  }

  /** Replay now, then every intervalMs. */
  start(): void {
    void this.replay();
    const every = this.opts.intervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.replay(), every);
      this.timer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Entries not yet settled (replayed or left for a person), oldest first. */
  pending(): Array<DeadLetter & { id: string }> {
    return this.entries().filter((e) => !this.settled[e.id]);
  }

  private entries(): Array<DeadLetter & { id: string }> {
    const read = (file: string, prefix: string) => {
      try {
        return readJsonl<DeadLetter>(file).map((e, i) => ({ ...e, id: `${prefix}${deadLetterId(e, i)}` }));
      } catch (err) {
        this.opts.log(`[dlq] cannot read ${file}: ${(err as Error).message}`);
        return [];
      }
    };
    return [...read(this.file, ''), ...read(this.interruptedFile, 'interrupted:')];
  }

  /**
   * One pass: hand every unsettled entry back to its function. Resolves when the replays started
   * by this pass have settled (each with its full retries).
   */
  async replay(): Promise<ReplayReport> {
    const report: ReplayReport = { replayed: 0, leftForPerson: 0 };
    if (this.stopped) return report;
    const runs: Array<Promise<void>> = [];
    for (const entry of this.pending()) {
      if (this.inFlight.has(entry.id)) continue;
      const redrives = entry.redrives ?? 0;
      const max = this.opts.maxRedrives ?? 5;
      if (!entry.function || entry.event === undefined || !this.host.has(entry.function)) {
        // An SNS HTTP delivery (the subscriber's problem) or an entry naming no known function.
        this.settle(entry.id, 'not-replayable');
        report.leftForPerson++;
        this.opts.log(
          `[dlq] ${entry.id} (${String(entry.kind)}) cannot be replayed: a person must look at it in dlq.jsonl`,
        );
        continue;
      }
      if (redrives >= max) {
        this.settle(entry.id, 'gave-up');
        report.leftForPerson++;
        this.opts.log(
          `[dlq] ${entry.id}: ${entry.function} failed after ${redrives} redrives (${String(entry.error)}); ` +
            'left in dlq.jsonl for a person',
        );
        continue;
      }
      this.inFlight.add(entry.id);
      report.replayed++;
      this.opts.log(
        `[dlq] replaying ${entry.id} (${String(entry.kind)}) to ${entry.function}, redrive ${redrives + 1}/${max}`,
      );
      runs.push(
        new Promise<void>((resolve) => {
          this.host.invokeAsync(entry.function!, entry.event, `redrive:${String(entry.kind)}`, {
            redrives: redrives + 1,
            failOnBatchItemFailures: entry.kind === 'tableStream',
            onSettled: (outcome) => {
              this.inFlight.delete(entry.id);
              // Abandoned (the runtime stopped mid-replay, nothing written): replayed on the next start.
              if (outcome !== 'abandoned') this.settle(entry.id, 'replayed');
              resolve();
            },
          });
        }),
      );
    }
    await Promise.all(runs);
    return report;
  }

  private settle(id: string, how: Settlement): void {
    this.settled[id] = how;
    writeJsonAtomic(this.stateFile, { settled: this.settled });
  }
}
