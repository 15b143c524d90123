// An unknown query filter is a 400 naming the parameter on every list route (never silently
// ignored), and the note action takes `note` as /resolve does, with `text` as a documented alias.
import * as z from 'zod';
import { handler as alerts } from '../../../functions/ops-alerts/handler';
import { handler as incidents } from '../../../functions/ops-incidents/handler';
import { handler as integrations } from '../../../functions/ops-integrations/handler';
import { handler as oncall } from '../../../functions/ops-oncall/handler';
import { handler as probes } from '../../../functions/ops-probes/handler';
import { handler as rules } from '../../../functions/ops-rules/handler';
import { handler as services } from '../../../functions/ops-services/handler';
import { handler as tickets } from '../../../functions/ops-tickets/handler';
import { handler as ticketConfig } from '../../../functions/ticket-config/handler';
import { handler as ticketReports } from '../../../functions/ticket-reports/handler';
import { handler as responseReport } from '../../../functions/reports-response/handler';
import { handler as availability } from '../../../functions/availability/handler';
import type { Operation } from '../../../shared/api/operation';
import { httpApi, json } from '../../../shared/http/api';
import { noteBodySchema } from '../../../shared/http/schemas';
import { call, type Handler } from '../../support/http-event';

const lists: Array<[Handler, string]> = [
  [alerts, 'GET /alerts'],
  [incidents, 'GET /incidents'],
  [integrations, 'GET /integrations'],
  [oncall, 'GET /users'],
  [oncall, 'GET /schedules'],
  [oncall, 'GET /escalation-policies'],
  [oncall, 'GET /services/{id}/subscriptions'],
  [oncall, 'GET /incidents/{id}/pages'],
  [oncall, 'GET /schedules/{id}/shifts'],
  [probes, 'GET /probes'],
  [probes, 'GET /probes/{id}/results'],
  [probes, 'GET /jobs'],
  [probes, 'GET /jobs/{id}/pings'],
  [rules, 'GET /silences'],
  [rules, 'GET /maintenance-windows'],
  [services, 'GET /teams'],
  [services, 'GET /services'],
  [tickets, 'GET /tickets'],
  [tickets, 'GET /tickets/{id}/comments'],
  [tickets, 'GET /tickets/{id}/time-entries'],
  [tickets, 'GET /tickets/{id}/history'],
  [ticketConfig, 'GET /ticket-queues'],
  [ticketConfig, 'GET /ticket-categories'],
  [ticketReports, 'GET /reports/tickets'],
  [responseReport, 'GET /reports/response'],
  [availability, 'GET /reports/availability'],
];

describe('unknown query parameters', () => {
  it.each(lists)('%#: %p %s answers 400 naming the parameter', async (handler, routeKey) => {
    const r = await call(handler, { routeKey, params: { id: 'x' }, query: { statsu: 'open' }, role: 'admin' });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body.errors).toEqual([{ field: 'statsu', message: expect.stringContaining('unknown query parameter') }]);
  });

  it('names every unknown parameter and what the route takes; known ones pass', async () => {
    const ops = [
      {
        method: 'get',
        path: '/things',
        summary: 'Things',
        tag: 'Test',
        auth: 'public',
        query: z.object({ status: z.string().optional() }),
        responses: { 200: { description: 'OK' } },
      },
    ] as const satisfies readonly Operation[];
    const h = httpApi(ops, { 'GET /things': async (req) => json(200, req.input.query) });
    const bad = await call(h, { routeKey: 'GET /things', query: { status: 'a', colour: 'b', size: 'c' } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('Unknown query parameters colour, size: this route takes status.');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['colour', 'size']);
    expect(await call(h, { routeKey: 'GET /things', query: { status: 'a' } })).toMatchObject({
      status: 200,
      body: { status: 'a' },
    });
  });
});

describe('note names', () => {
  it('takes note, as /resolve does, and text as its alias; one of them, not both', () => {
    expect(noteBodySchema.parse({ note: 'rolled back' })).toEqual({ note: 'rolled back' });
    expect(noteBodySchema.parse({ text: 'rolled back' })).toEqual({ text: 'rolled back' });
    expect(noteBodySchema.safeParse({}).error?.issues.map((i) => i.path.join('.'))).toEqual(['note']);
    expect(noteBodySchema.safeParse({ note: 'a', text: 'b' }).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'text',
    ]);
    expect(noteBodySchema.safeParse({ note: 'a', body: 'b' }).success).toBe(false);
  });
});
