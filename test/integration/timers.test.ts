// Durable timers against DynamoDB Local: due-time semantics, leases, retries, concurrent sweepers.
import { sweepOnce, type TimerHandler } from '../../functions/timer-sweeper/sweep';
import {
  cancelTimer,
  claimTimer,
  claimTimers,
  dueTimers,
  scheduleTimer,
  scheduleTimerOnce,
} from '../../shared/store/timers';

const at = (iso: string) => () => new Date(iso);
let seq = 0;
const uid = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${seq++}`;

// Each test uses its own kind and its own far-apart time window, so tests cannot see each other's timers.
describe('durable timers', () => {
  it('runs a timer once when due, not before, and removes it', async () => {
    const kind = uid('k');
    const ran: string[] = [];
    const handlers: Record<string, TimerHandler> = { [kind]: async (t) => void ran.push(t.id) };
    const id = uid('t');
    await scheduleTimer({ id, kind, dueAt: '2031-01-01T00:01:00.000Z', payload: { x: 1 } });
    await sweepOnce(at('2031-01-01T00:00:59.000Z'), { handlers: {} });
    expect(ran).toEqual([]);
    await sweepOnce(at('2031-01-01T00:01:05.000Z'), { handlers });
    expect(ran).toEqual([id]);
    await sweepOnce(at('2031-01-01T00:02:00.000Z'), { handlers });
    expect(ran).toEqual([id]);
  });

  it('retries a failing handler after a back-off, then parks it after maxAttempts', async () => {
    const kind = uid('k');
    let calls = 0;
    const handlers: Record<string, TimerHandler> = {
      [kind]: async () => {
        calls++;
        throw new Error('downstream unavailable');
      },
    };
    const id = uid('t');
    await scheduleTimer({ id, kind, dueAt: '2032-01-01T00:00:00.000Z' });
    const r1 = await sweepOnce(at('2032-01-01T00:00:01.000Z'), { handlers, maxAttempts: 2 });
    expect(r1).toMatchObject({ ran: 0, failed: 1, parked: 0 });
    await sweepOnce(at('2032-01-01T00:00:02.000Z'), { handlers, maxAttempts: 2 });
    expect(calls).toBe(1); // still backing off
    const r3 = await sweepOnce(at('2032-01-01T01:00:00.000Z'), { handlers, maxAttempts: 2 });
    expect(r3).toMatchObject({ failed: 1, parked: 1 });
    await sweepOnce(at('2032-01-02T00:00:00.000Z'), { handlers, maxAttempts: 2 });
    expect(calls).toBe(2);
  });

  it('runs again after a crash once the lease has expired (at least once)', async () => {
    const kind = uid('k');
    const id = uid('t');
    await scheduleTimer({ id, kind, dueAt: '2033-01-01T00:00:00.000Z' });
    const [t] = (await dueTimers(new Date('2033-01-01T00:00:01.000Z'), 1000)).filter((x) => x.id === id);
    expect(await claimTimer(t!, new Date('2033-01-01T00:00:01.000Z'), 60)).toBe(true); // ...and the process dies here
    const ran: string[] = [];
    const handlers = { [kind]: async () => void ran.push(id) };
    await sweepOnce(at('2033-01-01T00:00:30.000Z'), { handlers });
    expect(ran).toEqual([]); // lease still held
    await sweepOnce(at('2033-01-01T00:01:02.000Z'), { handlers });
    expect(ran).toEqual([id]);
  });

  it('claims due timers together, and claims the rest one by one when one of them is taken or moved', async () => {
    const kind = uid('k');
    const ids = Array.from({ length: 6 }, () => uid('t'));
    for (const id of ids) await scheduleTimer({ id, kind, dueAt: '2036-01-01T00:00:00.000Z' });
    const now = new Date('2036-01-01T00:00:01.000Z');
    const seen = (await dueTimers(now, 1000)).filter((t) => t.kind === kind);
    expect(seen.map((t) => t.id).sort()).toEqual([...ids].sort());
    const [first, second] = [seen.slice(0, 3), seen.slice(3)];
    // All free: one transaction claims all three, and none of them can be claimed again.
    expect((await claimTimers(first, now, 60)).map((t) => t.id)).toEqual(first.map((t) => t.id));
    expect(await claimTimers(first, now, 60)).toEqual([]);
    // Someone holds one, another was moved: the transaction fails, the free one is still claimed.
    expect(await claimTimer(second[0]!, now, 60)).toBe(true);
    await scheduleTimer({ id: second[1]!.id, kind, dueAt: '2036-01-01T00:05:00.000Z' });
    expect((await claimTimers(second, now, 60)).map((t) => t.id)).toEqual([second[2]!.id]);
  });

  it('a sweep claiming in batches runs every free due timer once, around one someone else holds', async () => {
    const kind = uid('k');
    const ids = Array.from({ length: 12 }, () => uid('t'));
    for (const id of ids) await scheduleTimer({ id, kind, dueAt: '2037-01-01T00:00:00.000Z' });
    const now = new Date('2037-01-01T00:00:01.000Z');
    const held = (await dueTimers(now, 1000)).find((t) => t.kind === kind)!;
    expect(await claimTimer(held, now, 60)).toBe(true);
    const ran: string[] = [];
    const handlers = { [kind]: async (t: { id: string }) => void ran.push(t.id) };
    const r = await sweepOnce(() => now, { handlers, claimBatch: 4, shards: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(r.failed).toBe(0);
    expect(ran.sort()).toEqual(ids.filter((id) => id !== held.id).sort());
    await sweepOnce(() => new Date('2037-01-01T00:02:00.000Z'), { handlers, claimBatch: 4 });
    expect(ran.filter((id) => id === held.id)).toEqual([held.id]); // its lease expired: run once, later
    expect(ran).toHaveLength(12);
  });

  it('runs each timer exactly once when several sweepers race (each works every shard)', async () => {
    const kind = uid('k');
    const counts = new Map<string, number>();
    const handlers = { [kind]: async (t: { id: string }) => void counts.set(t.id, (counts.get(t.id) ?? 0) + 1) };
    const ids = Array.from({ length: 40 }, () => uid('t'));
    await Promise.all(ids.map((id) => scheduleTimer({ id, kind, dueAt: '2034-01-01T00:00:00.000Z' })));
    await Promise.all(
      Array.from({ length: 4 }, () => sweepOnce(at('2034-01-01T00:00:01.000Z'), { handlers, concurrency: 1 })),
    );
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(40);
  });

  it('keeps a timer that was moved while it ran, and forgets a cancelled one', async () => {
    const kind = uid('k');
    const id = uid('t');
    let runs = 0;
    const handlers = {
      [kind]: async () => {
        runs++;
        if (runs === 1) await scheduleTimer({ id, kind, dueAt: '2035-01-01T00:05:00.000Z' });
      },
    };
    await scheduleTimer({ id, kind, dueAt: '2035-01-01T00:00:00.000Z' });
    await sweepOnce(at('2035-01-01T00:00:01.000Z'), { handlers });
    await sweepOnce(at('2035-01-01T00:05:01.000Z'), { handlers });
    expect(runs).toBe(2);
    expect(await scheduleTimerOnce({ id: `${id}-x`, kind, dueAt: '2035-01-02T00:00:00.000Z' })).toBe(true);
    expect(await scheduleTimerOnce({ id: `${id}-x`, kind, dueAt: '2035-01-03T00:00:00.000Z' })).toBe(false);
    await cancelTimer(`${id}-x`);
    await sweepOnce(at('2035-01-04T00:00:00.000Z'), { handlers });
    expect(runs).toBe(2);
  });
});
