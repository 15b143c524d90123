// Durable executions for the local Step Functions engine: one append-only journal per execution
// ($NOCTURNE_DATA_DIR/stepfunctions/<machine>/<execution name>.jsonl). Every fact the engine must
// not lose is one JSON line, appended before it is acted on: the start, each history event, each
// completed step's result (the memo the replay reads), Wait deadlines, submitted task tokens with
// their deadlines, heartbeats, token answers, redrives and status changes. Loading folds the lines
// back into an ExecutionRecord; a torn last line (a crash mid-append) is ignored.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Json } from './asl';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** A step's outcome, replayed instead of running it again: its result, or the error a Catch took. */
export type Memo = { ok: Json } | { caught: { Error: string; Cause: string } };

export interface SubmittedToken {
  key: string;
  token: string;
  /** Absolute ms: TimeoutSeconds and HeartbeatSeconds deadlines (undefined: none). */
  deadline?: number;
  heartbeatSeconds?: number;
  lastBeat: number;
}

export type TokenAnswer = { ok: Json } | { error: string; cause: string } | { timedOut: string };

type Line =
  | {
      t: 'start';
      executionArn: string;
      stateMachineArn: string;
      machine: string;
      name: string;
      input: string;
      startDate: number;
      timeoutSeconds?: number;
    }
  | { t: 'event'; e: HistoryEvent; lkey: string }
  | { t: 'memo'; key: string; m: Memo }
  | { t: 'wait'; key: string; until: number }
  | { t: 'submitted'; s: SubmittedToken }
  | { t: 'heartbeat'; token: string; at: number }
  | { t: 'answer'; token: string; a: TokenAnswer }
  | { t: 'redrive'; count: number; date: number }
  | { t: 'status'; status: ExecutionStatus; date: number; output?: string; error?: string; cause?: string };

export class ExecutionRecord {
  executionArn = '';
  stateMachineArn = '';
  machine = '';
  name = '';
  input = '{}';
  startDate = 0;
  timeoutSeconds?: number;
  status: ExecutionStatus = 'RUNNING';
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount = 0;
  redriveDate?: number;
  readonly events: HistoryEvent[] = [];
  /** Logical event key → event id: an event already in the history is not written again on replay. */
  readonly lkeys = new Map<string, number>();
  readonly memo = new Map<string, Memo>();
  readonly waits = new Map<string, number>();
  readonly submitted = new Map<string, SubmittedToken>();
  readonly answers = new Map<string, TokenAnswer>();

  constructor(readonly file: string) {}

  private append(line: Line): void {
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    this.apply(line);
  }

  apply(line: Line): void {
    switch (line.t) {
      case 'start':
        Object.assign(this, {
          executionArn: line.executionArn,
          stateMachineArn: line.stateMachineArn,
          machine: line.machine,
          name: line.name,
          input: line.input,
          startDate: line.startDate,
          timeoutSeconds: line.timeoutSeconds,
        });
        break;
      case 'event':
        this.events.push(line.e);
        this.lkeys.set(line.lkey, line.e.id);
        break;
      case 'memo':
        this.memo.set(line.key, line.m);
        break;
      case 'wait':
        this.waits.set(line.key, line.until);
        break;
      case 'submitted':
        this.submitted.set(line.s.key, line.s);
        break;
      case 'heartbeat':
        for (const s of this.submitted.values()) if (s.token === line.token) s.lastBeat = line.at;
        break;
      case 'answer':
        this.answers.set(line.token, line.a);
        break;
      case 'redrive':
        this.redriveCount = line.count;
        this.redriveDate = line.date;
        this.status = 'RUNNING';
        this.stopDate = undefined;
        this.output = this.error = this.cause = undefined;
        break;
      case 'status':
        this.status = line.status;
        this.stopDate = line.status === 'RUNNING' ? undefined : line.date;
        this.output = line.output;
        this.error = line.error;
        this.cause = line.cause;
        break;
    }
  }

  static create(file: string, start: Omit<Extract<Line, { t: 'start' }>, 't'>): ExecutionRecord {
    mkdirSync(path.dirname(file), { recursive: true });
    const r = new ExecutionRecord(file);
    r.append({ t: 'start', ...start });
    return r;
  }

  static load(file: string): ExecutionRecord | undefined {
    const r = new ExecutionRecord(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // a torn last line: the fact it carried was never acted on
      }
      r.apply(line);
    }
    return r.executionArn ? r : undefined;
  }

  addEvent(lkey: string, e: HistoryEvent): void {
    this.append({ t: 'event', e, lkey });
  }

  setMemo(key: string, m: Memo): void {
    this.append({ t: 'memo', key, m });
  }

  setWait(key: string, until: number): void {
    this.append({ t: 'wait', key, until });
  }

  submit(s: SubmittedToken): void {
    this.append({ t: 'submitted', s });
  }

  heartbeat(token: string, at: number): void {
    this.append({ t: 'heartbeat', token, at });
  }

  answer(token: string, a: TokenAnswer): void {
    this.append({ t: 'answer', token, a });
  }

  redrive(count: number, date: number): void {
    this.append({ t: 'redrive', count, date });
  }

  setStatus(
    status: ExecutionStatus,
    date: number,
    detail: { output?: string; error?: string; cause?: string } = {},
  ): void {
    this.append({ t: 'status', status, date, ...detail });
  }
}

/** Every journal under dir (one folder per machine). */
export function loadJournals(dir: string): ExecutionRecord[] {
  if (!existsSync(dir)) return [];
  const out: ExecutionRecord[] = [];
  for (const machine of readdirSync(dir, { withFileTypes: true })) {
    if (!machine.isDirectory()) continue;
    for (const f of readdirSync(path.join(dir, machine.name))) {
      if (!f.endsWith('.jsonl')) continue;
      const r = ExecutionRecord.load(path.join(dir, machine.name, f));
      if (r) out.push(r);
    }
  }
  return out;
}

export function journalFile(dir: string, machine: string, name: string): string {
  return path.join(dir, encodeURIComponent(machine), `${encodeURIComponent(name)}.jsonl`);
}
