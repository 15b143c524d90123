// Decision 0093: ticket lists read the keys-only gsi3 (open tickets of a queue) and gsi4 (tickets by
// day), then the tickets by key. Pages keep their order, size, cursors and filters; a ticket that
// leaves its queue's backlog leaves the list; tickets stored before (keys on gsi1/gsi2) are listed
// again once migration 0093 moved their keys.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { handler as ops } from '../../functions/ops-tickets/handler';
import { seedTicketDemo } from '../../infra/local/demo/tickets';
import { documentClient, tableName } from '../../shared/store/client';
import { keys, ticketKeys } from '../../shared/store/keys';
import { applyPendingMigrations, moveTicketIndexes } from '../../shared/store/migrations';
import { putConfig } from '../../shared/store/ticket-config';
import { categorySchema } from '../../shared/domain/tickets/config';
import { getTicket } from '../../shared/store/tickets';
import { callAs, uniq, type Call } from '../unit/tickets/support';

const api = (c: Call) => callAs(ops, c);
const now = new Date().toISOString();
const queueId = uniq('q93');
const categoryId = uniq('c93');

beforeAll(async () => {
  await seedTicketDemo(now);
  await putConfig('queue', { id: queueId, name: 'Keys-only lists', members: [], assignmentMode: 'manual' }, now);
  await putConfig(
    'category',
    categorySchema.parse({ id: categoryId, name: 'Keys-only lists', defaultQueueId: queueId, reopenWindowHours: 1 }),
    now,
  );
});

async function openTicket(subject: string, priority = 'P3'): Promise<{ id: string; version: number }> {
  const r = await api({
    routeKey: 'POST /tickets',
    body: { subject, categoryId, priority, requester: { email: 'carla@customer.example' } },
  });
  expect(r.status).toBe(201);
  return r.body;
}

/** Every page of a list query: the ids of each page, in order. */
async function pages(query: Record<string, string>): Promise<string[][]> {
  const out: string[][] = [];
  let cursor: string | undefined;
  do {
    const r = await api({ routeKey: 'GET /tickets', query: { ...query, ...(cursor ? { cursor } : {}) } });
    expect(r.status).toBe(200);
    out.push(r.body.items.map((t: { id: string }) => t.id));
    cursor = r.body.nextCursor;
  } while (cursor && out.length < 20);
  return out;
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Rewrite a ticket as a release before decision 0093 stored it: its gsi3/gsi4 keys under gsi1/gsi2. */
async function asBefore0093(id: string): Promise<void> {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.ticket(id) }));
  const { gsi3pk, gsi3sk, gsi4pk, gsi4sk, ...rest } = Item!;
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...rest,
        ...(gsi3pk === undefined ? {} : { gsi1pk: gsi3pk, gsi1sk: gsi3sk }),
        gsi2pk: gsi4pk,
        gsi2sk: gsi4sk,
      },
    }),
  );
}

const stored = async (id: string) =>
  (await documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.ticket(id) }))).Item!;

describe('ticket lists on the keys-only indexes', () => {
  it('pages a queue’s open tickets oldest first, and a resolved ticket leaves them', async () => {
    const opened: string[] = [];
    for (let i = 0; i < 5; i++) opened.push((await openTicket(`open ${i}`)).id);

    expect(await pages({ open: 'true', queue: queueId, limit: '2' })).toEqual([
      opened.slice(0, 2),
      opened.slice(2, 4),
      opened.slice(4),
    ]);

    const resolved = await api({
      routeKey: 'PATCH /tickets/{id}',
      params: { id: opened[1]! },
      body: { version: 1, status: 'resolved' },
    });
    expect(resolved.status).toBe(200);
    expect((await pages({ open: 'true', queue: queueId, limit: '10' })).flat()).toEqual(
      opened.filter((id) => id !== opened[1]),
    );
    // The ticket itself is still found, by id and in the list by day.
    expect((await getTicket(opened[1]!))?.status).toBe('resolved');
    expect((await pages({ queue: queueId, limit: '100' })).flat()).toContain(opened[1]);
  });

  it('pages tickets by day newest first with the filters applied to full pages', async () => {
    const q = uniq('q93f');
    await putConfig('queue', { id: q, name: 'Filtered', members: [], assignmentMode: 'manual' }, now);
    const created: Array<{ id: string; priority: string }> = [];
    for (let i = 0; i < 7; i++) {
      const priority = i % 2 === 0 ? 'P2' : 'P4';
      const r = await api({
        routeKey: 'POST /tickets',
        body: {
          subject: `filtered ${i}`,
          categoryId,
          priority,
          queueId: q,
          requester: { email: 'carla@customer.example' },
        },
      });
      expect(r.status).toBe(201);
      created.push({ id: r.body.id, priority });
    }
    const newestFirst = [...created].reverse();

    const all = await pages({ queue: q, limit: '3' });
    expect(all.flat()).toEqual(newestFirst.map((t) => t.id));
    for (const page of all.slice(0, -1)) expect(page).toHaveLength(3);

    const p2 = await pages({ queue: q, priority: 'P2', limit: '2' });
    expect(p2.flat()).toEqual(newestFirst.filter((t) => t.priority === 'P2').map((t) => t.id));
    for (const page of p2.slice(0, -1)) expect(page).toHaveLength(2);
  });

  it('answers 400 to a cursor of a page read on gsi1/gsi2 before the release', async () => {
    const day = now.slice(0, 10);
    const byDay = cursorOf({
      day,
      key: { pk: 'TICKET#x', sk: 'TICKET', gsi2pk: `TICKETDAY#${day}`, gsi2sk: `${now}#x` },
    });
    const open = cursorOf({ pk: 'TICKET#x', sk: 'TICKET', gsi1pk: `TICKETOPEN#${queueId}`, gsi1sk: `${now}#x` });
    expect((await api({ routeKey: 'GET /tickets', query: { cursor: byDay } })).status).toBe(400);
    expect(
      (await api({ routeKey: 'GET /tickets', query: { open: 'true', queue: queueId, cursor: open } })).status,
    ).toBe(400);
  });
});

describe('migration 0093: tickets stored before the keys-only indexes', () => {
  it('moves their keys so the lists find them again, idempotently, without a new revision', async () => {
    const q = uniq('q93m');
    await putConfig('queue', { id: q, name: 'Migrated', members: [], assignmentMode: 'manual' }, now);
    const open = async (subject: string) => {
      const r = await api({
        routeKey: 'POST /tickets',
        body: { subject, categoryId, queueId: q, requester: { email: 'carla@customer.example' } },
      });
      expect(r.status).toBe(201);
      return r.body as { id: string };
    };
    const stillOpen = await open('open before 0093');
    const done = await open('resolved before 0093');
    expect(
      (
        await api({
          routeKey: 'PATCH /tickets/{id}',
          params: { id: done.id },
          body: { version: 1, status: 'resolved' },
        })
      ).status,
    ).toBe(200);
    await asBefore0093(stillOpen.id);
    await asBefore0093(done.id);
    const before = { open: await stored(stillOpen.id), done: await stored(done.id) };
    const read = await getTicket(stillOpen.id);
    expect(before.open.gsi1pk).toBe(`TICKETOPEN#${q}`);
    expect(before.done.gsi1pk).toBeUndefined();

    expect((await pages({ open: 'true', queue: q })).flat()).toEqual([]);
    expect((await pages({ queue: q })).flat()).toEqual([]);

    const first = await moveTicketIndexes();
    expect(first.moved).toBeGreaterThanOrEqual(2);
    expect((await pages({ open: 'true', queue: q })).flat()).toEqual([stillOpen.id]);
    expect((await pages({ queue: q })).flat()).toEqual([done.id, stillOpen.id]);

    const after = { open: await stored(stillOpen.id), done: await stored(done.id) };
    expect(after.open).toMatchObject({ gsi3pk: before.open.gsi1pk, gsi3sk: before.open.gsi1sk });
    expect(after.done.gsi3pk).toBeUndefined();
    for (const [was, is] of [
      [before.open, after.open],
      [before.done, after.done],
    ] as const) {
      expect(is).toMatchObject({ gsi4pk: was.gsi2pk, gsi4sk: was.gsi2sk, revision: was.revision });
      expect(is.gsi1pk).toBeUndefined();
      expect(is.gsi2pk).toBeUndefined();
    }
    // The ticket reads as it did.
    expect(await getTicket(stillOpen.id)).toEqual(read);

    // Again: nothing of these left to move, and the lists are unchanged.
    await moveTicketIndexes();
    expect(await stored(stillOpen.id)).toEqual(after.open);
    expect((await pages({ open: 'true', queue: q })).flat()).toEqual([stillOpen.id]);
  });

  it('leaves a ticket alone that this release rewrote meanwhile, and is applied once by the pending migrations', async () => {
    const t = await openTicket('changed after the release');
    // A change committed by this release writes gsi3/gsi4 itself: nothing to move.
    const changed = await api({
      routeKey: 'PATCH /tickets/{id}',
      params: { id: t.id },
      body: { version: 1, priority: 'P2' },
    });
    expect(changed.status).toBe(200);
    const item = await stored(t.id);
    await moveTicketIndexes();
    expect(await stored(t.id)).toEqual(item);

    const at = new Date('2026-12-01T10:00:00Z');
    await documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.migration('0093-ticket-indexes') }),
    );
    await asBefore0093(t.id);
    const applied = (await applyPendingMigrations(at)).filter((m) => m.id === '0093-ticket-indexes');
    expect(applied).toEqual([expect.objectContaining({ id: '0093-ticket-indexes' })]);
    expect((await stored(t.id)).gsi3pk).toBe(`TICKETOPEN#${queueId}`);
    const marker = (
      await documentClient().send(
        new GetCommand({ TableName: tableName(), Key: keys.migration('0093-ticket-indexes') }),
      )
    ).Item!;
    expect(marker).toMatchObject({ type: 'Migration', appliedAt: at.toISOString() });
  });
});
