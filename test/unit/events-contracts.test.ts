// Event contracts: every JSON example satisfies its schema, and a breaking change to a schema
// (a removed or retyped field) makes its example fail here.
import { alertEventContracts } from '../../events/alerts';
import { incidentEventContracts } from '../../events/incidents';
import { ticketEventContracts } from '../../events/tickets';
import { probeEventContracts, probeRoundContracts } from '../../events/probes';
import { orderEventContracts } from '../../events/orders';

const allContracts = [
  ...alertEventContracts,
  ...incidentEventContracts,
  ...ticketEventContracts,
  ...probeEventContracts,
  ...probeRoundContracts,
  ...orderEventContracts,
];
import { alertEventFor } from '../../shared/store/outbox/alert-events';

describe('event contracts', () => {
  it.each(allContracts.map((c) => [c.detailType, c]))('%s example matches its schema', (_name, c) => {
    const r = c.schema.safeParse(c.example);
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });

  it('the detail types are unique per source', () => {
    const names = allContracts.map((c) => `${c.source}.${c.detailType}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the mapper emits details that satisfy the contract', () => {
    const c = alertEventContracts[0]!;
    const alert = (c.example as { alert: Record<string, unknown> }).alert;
    const ev = alertEventFor(undefined, { type: 'Alert', ...alert, details: {} });
    expect(ev?.detailType).toBe('Alert Opened');
    expect(c.schema.safeParse(ev?.detail).success).toBe(true);
  });

  it('the mapper emits nothing for a change that leaves the revision (an index backfill) or only counts a repeat', () => {
    const alert = (alertEventContracts[0]!.example as { alert: Record<string, unknown> }).alert;
    const before = { type: 'Alert', ...alert, details: {}, gsi1pk: `ALERT#${String(alert.id)}` };
    const after = { type: 'Alert', ...alert, details: {}, gsi3pk: `ALERT#${String(alert.id)}` };
    expect(alertEventFor(before, after)).toBeUndefined();
    const next = { ...after, revision: Number(alert.revision) + 1 };
    expect(alertEventFor(before, { ...next, count: Number(alert.count) + 1 })).toBeUndefined();
    expect(alertEventFor(before, { ...next, severity: 'warning' })?.detailType).toBe('Alert Repeated');
  });

  it('rejects a detail missing a required field', () => {
    const c = alertEventContracts[0]!;
    const { alert, ...rest } = c.example as { alert: Record<string, unknown> };
    const { severity: _s, ...withoutSeverity } = alert;
    expect(c.schema.safeParse({ ...rest, alert: withoutSeverity }).success).toBe(false);
  });
});
