// The ticket report's facts over a window (GET /reports/tickets, the monthly report's queues):
// tickets created and resolved in it, the backlog at its end, time tracked; the domain's
// buildReport groups and sums them.
import { buildReport, type BacklogFact, type GroupBy, type TicketReport } from '../../domain/tickets/reports';
import { listConfig } from '../../store/ticket-config';
import { allOpenTickets, resolvedOn, ticketsCreatedOn, timeLoggedOn } from '../../store/tickets';

const DAY = 86400_000;

function days(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from.toISOString().slice(0, 10)); t < to.getTime(); t += DAY)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Run per-day reads a few at a time. */
async function perDay<T>(list: string[], read: (day: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < list.length; i += 8)
    (await Promise.all(list.slice(i, i + 8).map(read))).forEach((x) => out.push(...x));
  return out;
}

/** The report over [from, to) grouped by `groupBy`, read at `now` (the backlog then is rebuilt from what resolved since). */
export async function ticketReport(from: Date, to: Date, groupBy: GroupBy, now: Date): Promise<TicketReport> {
  const inWindow = (iso: string) => iso >= from.toISOString() && iso < to.toISOString();
  const window = days(from, to);

  const [created, resolved, time, queues] = await Promise.all([
    perDay(window, ticketsCreatedOn),
    perDay(window, resolvedOn),
    perDay(window, timeLoggedOn),
    listConfig('queue'),
  ]);
  // Backlog at `to`: tickets open now that existed then, plus those resolved since `to`.
  const open = (await Promise.all([undefined, ...queues.map((x) => x.id)].map((id) => allOpenTickets(id)))).flat();
  const backlog: BacklogFact[] = open
    .filter((t) => t.createdAt < to.toISOString())
    .map((t) => ({
      categoryId: t.categoryId,
      queueId: t.queueId,
      assigneeId: t.assignee?.id,
      priority: t.priority,
      createdAt: t.createdAt,
    }));
  if (to < now) {
    const since = await perDay(days(to, now), resolvedOn);
    for (const r of since)
      if (r.resolvedAt >= to.toISOString() && r.createdAt < to.toISOString())
        backlog.push({
          categoryId: r.categoryId,
          queueId: r.queueId,
          assigneeId: r.assigneeId,
          priority: r.priority,
          createdAt: r.createdAt,
        });
  }

  return buildReport({
    from,
    to,
    groupBy: groupBy,
    created: created
      .filter((t) => inWindow(t.createdAt))
      .map((t) => ({
        categoryId: t.categoryId,
        queueId: t.queueId,
        assigneeId: t.assignee?.id,
        priority: t.priority,
        createdAt: t.createdAt,
        firstResponseMet: t.sla?.firstResponse.met ?? (t.sla?.firstResponse.breachedAt ? false : undefined),
      })),
    resolved: resolved.filter((r) => inWindow(r.resolvedAt)),
    backlog,
    time: time.map((t) => ({
      categoryId: t.categoryId,
      queueId: t.queueId,
      assigneeId: t.assigneeId,
      priority: t.priority,
      minutes: t.minutes,
    })),
  });
}
