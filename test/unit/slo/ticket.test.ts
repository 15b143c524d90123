// The slow-burn ticket decision: open a ticket when the 3d/6h condition starts to hold, keep it
// while it holds, resolve it when the burn stops or a page supersedes it, and open a new one for a
// later burn; plus what the desired alerts are now (the ticket condition enters no pipeline).
import { desiredSloAlerts } from '../../../shared/domain/slo/alerts';
import { MinuteSeries, evaluateSlo, lookbackStart } from '../../../shared/domain/slo/evaluate';
import { createSloSchema, type MinutePoint, type Slo } from '../../../shared/domain/slo/model';
import {
  decideSloTicket,
  sloTicketContent,
  sloTicketKey,
  sloTicketResolutionComment,
  type SloTicketState,
} from '../../../shared/domain/slo/ticket';

const MIN = 60_000;
const HOUR = 60 * MIN;
const open: SloTicketState = { episode: 3, state: 'open', openedAt: '2026-11-30T10:00:00Z', ticketId: 't1' };

describe('decideSloTicket', () => {
  it.each(['ok', 'no-data', 'page'] as const)('with no episode yet, %s does nothing', (status) => {
    expect(decideSloTicket(status, undefined)).toEqual({ kind: 'none' });
  });

  it('a slow burn opens the first episode, and after a resolved one the next', () => {
    expect(decideSloTicket('ticket', undefined)).toEqual({ kind: 'open', episode: 1, fresh: true });
    expect(decideSloTicket('ticket', { ...open, state: 'resolved' })).toEqual({
      kind: 'open',
      episode: 4,
      fresh: true,
    });
  });

  it('while the burn holds, the open ticket is kept (a repeated tick changes nothing)', () => {
    expect(decideSloTicket('ticket', open)).toEqual({ kind: 'keep' });
  });

  it('an episode whose ticket is not recorded yet (a crashed or concurrent tick) opens it under the same episode', () => {
    const { ticketId: _t, ...unrecorded } = open;
    expect(decideSloTicket('ticket', unrecorded)).toEqual({ kind: 'open', episode: 3, fresh: false });
  });

  it.each([
    ['ok', 'recovered'],
    ['no-data', 'recovered'],
    ['page', 'paged'],
    ['deleted', 'deleted'],
  ] as const)('an open ticket resolves when the status is %s (%s)', (status, reason) => {
    expect(decideSloTicket(status, open)).toEqual({ kind: 'resolve', episode: 3, reason });
  });

  it('a resolution that started finishes with its first reason, even if the burn is back', () => {
    const resolving: SloTicketState = {
      ...open,
      state: 'resolving',
      reason: 'paged',
      resolvingAt: '2026-11-30T11:00:00Z',
    };
    expect(decideSloTicket('ticket', resolving)).toEqual({ kind: 'resolve', episode: 3, reason: 'paged' });
    expect(decideSloTicket('ok', resolving)).toEqual({ kind: 'resolve', episode: 3, reason: 'paged' });
  });

  it('nothing is done for a resolved episode unless a new burn starts', () => {
    expect(decideSloTicket('ok', { ...open, state: 'resolved' })).toEqual({ kind: 'none' });
    expect(decideSloTicket('page', { ...open, state: 'resolved' })).toEqual({ kind: 'none' });
  });

  it('keys are deterministic per SLO and episode', () => {
    expect(sloTicketKey('checkout', 2)).toBe('slo-burn#checkout#2');
    expect(sloTicketKey('checkout', 2)).not.toBe(sloTicketKey('checkout', 3));
  });
});

describe('the slow burn with the evaluation', () => {
  const now = Date.parse('2026-11-30T12:00:30Z');
  const nowMinute = Date.parse('2026-11-30T12:00:00Z');
  const slo: Slo = {
    ...createSloSchema.parse({
      name: 'Checkout success',
      service: 'billing-api',
      team: 'platform',
      objective: 99.9,
      window: { kind: 'rolling', days: 30 },
      sli: { kind: 'ratio' },
    }),
    id: 'checkout',
    createdAt: '',
    updatedAt: '',
    version: 1,
  };
  const traffic = (from: number, to: number, perMinute: number, bad: number): MinutePoint[] => {
    const out: MinutePoint[] = [];
    for (let t = from; t < to; t += MIN) out.push({ minute: t, good: perMinute - bad, total: perMinute });
    return out;
  };
  const evaluate = (points: MinutePoint[]) =>
    evaluateSlo(slo, new MinuteSeries(points, lookbackStart(slo, now), now + MIN, slo.maintenance), now);

  it('three days at 2x ticket: no alert is desired live, and the ticket says why', () => {
    const e = evaluate(traffic(nowMinute - 72 * HOUR + MIN, nowMinute + MIN, 1000, 2));
    expect(e.status).toBe('ticket');
    expect(desiredSloAlerts(slo, e).filter((d) => d.firing)).toEqual([]);
    expect(decideSloTicket(e.status, undefined)).toMatchObject({ kind: 'open', episode: 1 });
    const c = sloTicketContent(slo, e);
    expect(c.subject).toBe('SLO Checkout success (99.9%) burns its error budget slowly');
    expect(c.description).toContain('2x over 3 days');
    expect(c.description).toContain('GET /slos/checkout');
  });

  it('a long trickle below the page guard still tickets (low-traffic guard)', () => {
    // One request every 10 minutes, all failing, for three days: too few events to page, enough to ticket.
    const points = traffic(nowMinute - 72 * HOUR + MIN, nowMinute + MIN, 0, 0).map((p, i, all) =>
      (all.length - 1 - i) % 10 === 0 ? { ...p, total: 1 } : p,
    );
    const e = evaluate(points);
    expect(e.status).toBe('ticket');
    expect(e.conditions.filter((c) => c.guarded).map((c) => c.name)).toEqual(['page-fast', 'page-slow']);
    expect(desiredSloAlerts(slo, e).filter((d) => d.firing)).toEqual([]);
    expect(decideSloTicket(e.status, undefined).kind).toBe('open');
  });

  it('a fast burn pages through the pipeline and supersedes an open ticket', () => {
    const e = evaluate([
      ...traffic(nowMinute - 72 * HOUR + MIN, nowMinute - 30 * MIN, 1000, 2),
      ...traffic(nowMinute - 30 * MIN, nowMinute + MIN, 1000, 200),
    ]);
    expect(e.status).toBe('page');
    expect(
      desiredSloAlerts(slo, e)
        .filter((d) => d.firing)
        .map((d) => d.kind),
    ).toEqual(['page']);
    expect(decideSloTicket(e.status, open)).toEqual({ kind: 'resolve', episode: 3, reason: 'paged' });
    expect(sloTicketResolutionComment(slo, 'paged', '2026-11-30T12:00:30Z')).toContain('slo:checkout:page');
  });
});
