// A simulated Online Charging System (OCS): the HTTP/JSON API the `ocs` driver speaks
// (docs/provisioning.md, "OCS API"), with subscribers (plan, allowances, spend cap, state),
// configurable latency and fault injection (timeouts, 5xx, rejected requests: per operation, per
// subscriber, or at a rate drawn from a seeded random, so tests are deterministic), Idempotency-Key
// replay like a real charging API, tombstones of cancelled operations (an undo names the operation it
// undoes in Cancels-Operation; that operation is refused whenever it arrives later: 409
// OPERATION_CANCELLED, decision 0016), and an inspection endpoint (/_sim/*) for tests and benchmarks
// (e.g. counting orphan subscribers). `npm start` runs one; tests start their own on a free port.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const OCS_OPERATIONS = [
  'createSubscriber',
  'getSubscriber',
  'setPlan',
  'suspend',
  'resume',
  'deleteSubscriber',
] as const;
export type OcsOperation = (typeof OCS_OPERATIONS)[number];

export interface OcsPlan {
  offeringId: string;
  allowance?: { dataMb?: number; voiceMinutes?: number; sms?: number };
  spendCap?: { unit: string; value: number };
}

export interface OcsSubscriber {
  subscriberId: string;
  customerId: string;
  plan: OcsPlan;
  state: 'active' | 'suspended';
  createdAt: string;
  updatedAt: string;
}

export interface OcsFaultRule {
  /** Which calls it hits (default: every operation). */
  operation?: OcsOperation;
  subscriberId?: string;
  /**
   * timeout: no answer (the socket is held, then dropped); error5xx: 503; reject: 422 (permanent);
   * delay: the call waits delayMs, then is applied and answered (a saturated OCS: the caller may have
   * given up long before the change lands).
   */
  kind: 'timeout' | 'error5xx' | 'reject' | 'delay';
  /** delay: how long (default 1000 ms). */
  delayMs?: number;
  /** Probability per matching call, drawn from the seeded random (default 1). */
  rate?: number;
  /** How many more calls it hits (default: unlimited). */
  times?: number;
  /** before (default): nothing is applied. after: the change is applied, then the answer fails (the
   * ambiguous case Idempotency-Key exists for). */
  phase?: 'before' | 'after';
}

export interface OcsSimulatorOptions {
  port?: number;
  host?: string;
  /** Added to every call (default 0). */
  latencyMs?: number;
  /** Bearer key the API requires (default "ocs-local-key"). */
  apiKey?: string;
  /** Seed of the fault random (default 1). */
  seed?: number;
  faults?: OcsFaultRule[];
  /** How long a `timeout` fault holds the request before dropping it (default 30 s). */
  hangMs?: number;
  /** Keep subscribers and idempotency records in this JSON file across restarts. */
  stateFile?: string;
}

export interface OcsSimulator {
  url: string;
  port: number;
  apiKey: string;
  subscribers(): OcsSubscriber[];
  /** Calls by operation, injected faults (`fault:<kind>`) and operations refused as cancelled (`refused:cancelled`). */
  calls(): Record<string, number>;
  /** Operation keys cancelled by an undo (Cancels-Operation), with when. */
  tombstones(): Record<string, string>;
  configure(c: Pick<OcsSimulatorOptions, 'latencyMs' | 'seed' | 'faults'>): void;
  reset(): void;
  stop(): Promise<void>;
}

/** mulberry32: small, seedable, good enough to spread faults. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer {
  status: number;
  body?: unknown;
}

interface Remembered extends Answer {
  fingerprint: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startOcsSimulator(opts: OcsSimulatorOptions = {}): Promise<OcsSimulator> {
  const apiKey = opts.apiKey ?? 'ocs-local-key';
  let latencyMs = opts.latencyMs ?? 0;
  let faults: OcsFaultRule[] = (opts.faults ?? []).map((f) => ({ ...f }));
  let random = seeded(opts.seed ?? 1);
  const hangMs = opts.hangMs ?? 30_000;
  const subscribers = new Map<string, OcsSubscriber>();
  const idempotency = new Map<string, Remembered>();
  // Operation keys an undo cancelled (Cancels-Operation) → when: that operation is refused whenever it arrives.
  const tombstones = new Map<string, string>();
  const callCounts: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();

  if (opts.stateFile) {
    try {
      const saved = JSON.parse(readFileSync(opts.stateFile, 'utf8')) as {
        subscribers: OcsSubscriber[];
        idempotency: Array<[string, Remembered]>;
        tombstones?: Array<[string, string]>;
      };
      for (const s of saved.subscribers) subscribers.set(s.subscriberId, s);
      for (const [k, v] of saved.idempotency) idempotency.set(k, v);
      for (const [k, v] of saved.tombstones ?? []) tombstones.set(k, v);
    } catch {
      // first start: nothing saved yet
    }
  }
  let saveTimer: NodeJS.Timeout | undefined;
  // The whole state is written at once, so a save costs more as the simulator fills up (1,000
  // orders: megabytes of JSON). Changes are saved 200 ms after they happen, or later when the last
  // save took long: the pause is at least 50 times its duration, so saving never takes more than
  // about 2 % of the process (it shares it with the local runtime) and a burst is not slowed down
  // quadratically. stop() saves at once.
  let savePauseMs = 200;
  const saveNow = () => {
    if (!opts.stateFile) return;
    const started = performance.now();
    mkdirSync(path.dirname(opts.stateFile), { recursive: true });
    writeFileSync(
      opts.stateFile,
      JSON.stringify({
        subscribers: [...subscribers.values()],
        idempotency: [...idempotency.entries()],
        tombstones: [...tombstones.entries()],
      }),
    );
    savePauseMs = Math.max(200, Math.round((performance.now() - started) * 50));
  };
  const save = () => {
    if (!opts.stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      saveNow();
    }, savePauseMs);
  };

  const pickFault = (operation: OcsOperation, subscriberId: string | undefined): OcsFaultRule | undefined => {
    for (const f of faults) {
      if (f.times !== undefined && f.times <= 0) continue;
      if (f.operation && f.operation !== operation) continue;
      if (f.subscriberId && f.subscriberId !== subscriberId) continue;
      if (f.rate !== undefined && random() >= f.rate) continue;
      if (f.times !== undefined) f.times--;
      return f;
    }
    return undefined;
  };

  const planSchemaProblem = (plan: unknown): string | undefined => {
    if (!plan || typeof plan !== 'object') return 'plan is required';
    const p = plan as OcsPlan;
    if (typeof p.offeringId !== 'string' || !p.offeringId) return 'plan.offeringId is required';
    if (p.spendCap && (typeof p.spendCap.value !== 'number' || p.spendCap.value < 0))
      return 'plan.spendCap.value must be a number ≥ 0';
    return undefined;
  };

  const apply = (operation: OcsOperation, id: string | undefined, body: Record<string, unknown>): Answer => {
    const now = new Date().toISOString();
    const existing = id ? subscribers.get(id) : undefined;
    switch (operation) {
      case 'createSubscriber': {
        const sid = String(body.subscriberId ?? '');
        if (!sid) return { status: 400, body: { code: 'INVALID_REQUEST', message: 'subscriberId is required' } };
        const bad = planSchemaProblem(body.plan);
        if (bad) return { status: 400, body: { code: 'INVALID_REQUEST', message: bad } };
        if (subscribers.has(sid))
          return { status: 409, body: { code: 'SUBSCRIBER_EXISTS', message: `subscriber ${sid} exists` } };
        const s: OcsSubscriber = {
          subscriberId: sid,
          customerId: String(body.customerId ?? ''),
          plan: body.plan as OcsPlan,
          state: 'active',
          createdAt: now,
          updatedAt: now,
        };
        subscribers.set(sid, s);
        return { status: 201, body: s };
      }
      case 'getSubscriber':
        return existing
          ? { status: 200, body: existing }
          : { status: 404, body: { code: 'NOT_FOUND', message: `no subscriber ${id}` } };
      case 'setPlan': {
        if (!existing) return { status: 404, body: { code: 'NOT_FOUND', message: `no subscriber ${id}` } };
        const bad = planSchemaProblem(body.plan);
        if (bad) return { status: 400, body: { code: 'INVALID_REQUEST', message: bad } };
        existing.plan = body.plan as OcsPlan;
        existing.updatedAt = now;
        return { status: 200, body: existing };
      }
      case 'suspend':
      case 'resume':
        if (!existing) return { status: 404, body: { code: 'NOT_FOUND', message: `no subscriber ${id}` } };
        existing.state = operation === 'suspend' ? 'suspended' : 'active';
        existing.updatedAt = now;
        return { status: 200, body: existing };
      case 'deleteSubscriber':
        if (!existing) return { status: 404, body: { code: 'NOT_FOUND', message: `no subscriber ${id}` } };
        subscribers.delete(id!);
        return { status: 204 };
    }
  };

  const route = (method: string, url: string): { operation: OcsOperation; id?: string } | undefined => {
    const m = url.match(/^\/v1\/subscribers(?:\/([^/?]+))?(\/plan|\/suspend|\/resume)?\/?(?:\?.*)?$/);
    if (!m) return undefined;
    const id = m[1] ? decodeURIComponent(m[1]) : undefined;
    const tail = m[2];
    if (!id) return method === 'POST' ? { operation: 'createSubscriber' } : undefined;
    if (!tail)
      return method === 'GET'
        ? { operation: 'getSubscriber', id }
        : method === 'DELETE'
          ? { operation: 'deleteSubscriber', id }
          : undefined;
    if (tail === '/plan' && method === 'PUT') return { operation: 'setPlan', id };
    if (tail === '/suspend' && method === 'POST') return { operation: 'suspend', id };
    if (tail === '/resume' && method === 'POST') return { operation: 'resume', id };
    return undefined;
  };

  const send = (res: ServerResponse, a: Answer) => {
    if (a.body === undefined) {
      res.writeHead(a.status);
      res.end();
      return;
    }
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const inspect = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url.startsWith('/_sim/subscribers'))
      return send(res, { status: 200, body: { count: subscribers.size, subscribers: [...subscribers.values()] } });
    if (req.method === 'GET' && url.startsWith('/_sim/stats'))
      return send(res, {
        status: 200,
        body: { calls: callCounts, subscribers: subscribers.size, tombstones: tombstones.size, latencyMs, faults },
      });
    if (req.method === 'PUT' && url.startsWith('/_sim/config')) {
      try {
        sim.configure(JSON.parse(raw || '{}'));
      } catch {
        return send(res, { status: 400, body: { code: 'INVALID_REQUEST', message: 'body must be JSON' } });
      }
      return send(res, { status: 200, body: { latencyMs, faults } });
    }
    if (req.method === 'POST' && url.startsWith('/_sim/reset')) {
      sim.reset();
      return send(res, { status: 204 });
    }
    return send(res, { status: 404, body: { code: 'NOT_FOUND', message: 'no such simulator endpoint' } });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    if ((req.headers.authorization ?? '') !== `Bearer ${apiKey}`)
      return send(res, { status: 401, body: { code: 'UNAUTHORIZED', message: 'missing or wrong API key' } });
    if ((req.url ?? '').startsWith('/_sim/')) return inspect(req, res, raw);
    const r = route(req.method ?? 'GET', req.url ?? '');
    if (!r)
      return send(res, { status: 404, body: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` } });
    let body: Record<string, unknown> = {};
    if (raw.trim()) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(res, { status: 400, body: { code: 'INVALID_REQUEST', message: 'body must be JSON' } });
      }
    }
    callCounts[r.operation] = (callCounts[r.operation] ?? 0) + 1;
    if (latencyMs > 0) await sleep(latencyMs);
    const subscriberId = r.id ?? (typeof body.subscriberId === 'string' ? body.subscriberId : undefined);
    const fault = pickFault(r.operation, subscriberId);
    const fail = (f: OcsFaultRule) => {
      callCounts[`fault:${f.kind}`] = (callCounts[`fault:${f.kind}`] ?? 0) + 1;
      if (f.kind === 'timeout') {
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          res.destroy();
        }, hangMs).unref();
        return;
      }
      if (f.kind === 'error5xx')
        return send(res, {
          status: 503,
          body: { code: 'UNAVAILABLE', message: 'injected fault: charging system unavailable' },
        });
      return send(res, { status: 422, body: { code: 'REJECTED', message: `injected fault: ${r.operation} rejected` } });
    };
    if (fault?.kind === 'delay') {
      callCounts['fault:delay'] = (callCounts['fault:delay'] ?? 0) + 1;
      await sleep(fault.delayMs ?? 1000);
    } else if (fault && fault.phase !== 'after') return fail(fault);

    const key = req.headers['idempotency-key'];
    const cancels = req.headers['cancels-operation'];
    const fingerprint = `${req.method} ${req.url} ${raw}`;
    let answer: Answer;
    const mutates = r.operation !== 'getSubscriber';
    const seen = typeof key === 'string' && mutates ? idempotency.get(key) : undefined;
    if (typeof key === 'string' && mutates && tombstones.has(key)) {
      // Its undo came first: the operation must not happen now (nor replay an answer it had before the undo).
      callCounts['refused:cancelled'] = (callCounts['refused:cancelled'] ?? 0) + 1;
      answer = {
        status: 409,
        body: { code: 'OPERATION_CANCELLED', message: `the operation ${key} was cancelled by its undo` },
      };
    } else if (seen) {
      if (seen.fingerprint !== fingerprint)
        answer = {
          status: 422,
          body: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used for a different request' },
        };
      else answer = { status: seen.status, body: seen.body };
    } else {
      answer = apply(r.operation, r.id, body);
      // An undo leaves the tombstone of the operation it undoes, whether or not that one was seen yet.
      if (typeof cancels === 'string' && cancels && mutates && answer.status < 500 && answer.status !== 400)
        tombstones.set(cancels, new Date().toISOString());
      if (typeof key === 'string' && mutates && answer.status < 500) idempotency.set(key, { ...answer, fingerprint });
      if (mutates) save();
    }
    if (fault && fault.kind !== 'delay') return fail(fault);
    return send(res, answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { code: 'INTERNAL', message: String(err) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const sim: OcsSimulator = {
    url: `http://127.0.0.1:${port}`,
    port,
    apiKey,
    subscribers: () => [...subscribers.values()].map((s) => structuredClone(s)),
    calls: () => ({ ...callCounts }),
    tombstones: () => Object.fromEntries(tombstones),
    configure(c) {
      if (c.latencyMs !== undefined) latencyMs = c.latencyMs;
      if (c.faults !== undefined) faults = c.faults.map((f) => ({ ...f }));
      if (c.seed !== undefined) random = seeded(c.seed);
    },
    reset() {
      subscribers.clear();
      idempotency.clear();
      tombstones.clear();
      for (const k of Object.keys(callCounts)) delete callCounts[k];
      faults = [];
      latencyMs = opts.latencyMs ?? 0;
      random = seeded(opts.seed ?? 1);
      save();
    },
    async stop() {
      if (saveTimer) {
        clearTimeout(saveTimer);
        saveTimer = undefined;
      }
      saveNow();
      for (const res of hanging) res.destroy();
      hanging.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return sim;
}
