// The status page's rules, pure: applying updates (idempotent by update id), component statuses,
// the page indicator, impact intervals, and the Statuspage v2 / HTML / Atom renderings.
import {
  applyStatusUpdate,
  componentsOf,
  impactIntervalsWithin,
  pageStatus,
  type PublicIncident,
} from '../../../shared/domain/statuspage/model';
import { statusAtom, statusHtml, summaryJson, incidentsJson } from '../../../shared/domain/statuspage/render';

const incident = { id: 'inc-1', title: 'Billing database: disk full', serviceId: 'billing-db' };
const services = [
  { id: 'billing-api', name: 'Billing API', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' },
  { id: 'billing-db', name: 'Billing database', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' },
];
const page = { id: 'nocturne', name: 'Nocturne status', url: 'https://status.example/status' };

function story(): PublicIncident {
  const a = applyStatusUpdate(
    undefined,
    incident,
    { status: 'investigating', body: 'Invoices are slow.', componentStatus: 'major_outage' },
    'u1',
    '2026-11-30T10:00:00.000Z',
  );
  const b = applyStatusUpdate(
    a.next,
    incident,
    { status: 'identified', body: 'A full disk.', componentStatus: 'partial_outage' },
    'u2',
    '2026-11-30T10:20:00.000Z',
  );
  return b.next;
}

describe('status updates', () => {
  it('opens a public incident with the first update and keeps the worst impact', () => {
    const i = story();
    expect(i).toMatchObject({
      incidentId: 'inc-1',
      name: 'Billing database: disk full',
      status: 'identified',
      impact: 'critical',
      componentStatus: 'partial_outage',
      version: 2,
    });
    expect(i.updates.map((u) => [u.id, u.status, u.oldComponentStatus, u.componentStatus])).toEqual([
      ['u1', 'investigating', 'operational', 'major_outage'],
      ['u2', 'identified', 'major_outage', 'partial_outage'],
    ]);
  });

  it('applies the same update id once', () => {
    const i = story();
    const again = applyStatusUpdate(
      i,
      incident,
      { status: 'identified', body: 'A full disk.' },
      'u2',
      '2026-11-30T11:00:00Z',
    );
    expect(again.applied).toBe(false);
    expect(again.next).toBe(i);
    expect(again.update.createdAt).toBe('2026-11-30T10:20:00.000Z');
  });

  it('records impact intervals per status and closes them on resolution', () => {
    const resolved = applyStatusUpdate(
      story(),
      incident,
      { status: 'resolved', body: 'Fixed.' },
      'u3',
      '2026-11-30T11:00:00.000Z',
    ).next;
    expect(resolved.componentStatus).toBe('operational');
    expect(resolved.resolvedAt).toBe('2026-11-30T11:00:00.000Z');
    expect(resolved.impactIntervals).toEqual([
      { start: '2026-11-30T10:00:00.000Z', end: '2026-11-30T10:20:00.000Z', status: 'major_outage' },
      { start: '2026-11-30T10:20:00.000Z', end: '2026-11-30T11:00:00.000Z', status: 'partial_outage' },
    ]);
    const within = impactIntervalsWithin(
      [resolved],
      'billing-db',
      new Date('2026-11-30T10:10:00Z'),
      new Date('2026-12-01T00:00:00Z'),
    );
    expect(within.map((w) => [w.start, w.end, w.status])).toEqual([
      ['2026-11-30T10:10:00.000Z', '2026-11-30T10:20:00.000Z', 'major_outage'],
      ['2026-11-30T10:20:00.000Z', '2026-11-30T11:00:00.000Z', 'partial_outage'],
    ]);
  });
});

describe('components and page status', () => {
  it('gives a component the worst status of its unresolved public incidents, else maintenance, else operational', () => {
    const components = componentsOf(services, [story()], new Set(['billing-api']));
    expect(components.map((c) => [c.id, c.status, c.position])).toEqual([
      ['billing-api', 'under_maintenance', 1],
      ['billing-db', 'partial_outage', 2],
    ]);
    expect(pageStatus(components)).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(pageStatus(componentsOf(services, [], new Set()))).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
  });

  it('ignores resolved incidents for component status', () => {
    const resolved = applyStatusUpdate(
      story(),
      incident,
      { status: 'resolved', body: 'Fixed.' },
      'u3',
      '2026-11-30T11:00:00Z',
    ).next;
    expect(componentsOf(services, [resolved], new Set()).every((c) => c.status === 'operational')).toBe(true);
  });
});

describe('renderings', () => {
  it('speaks Statuspage v2: unresolved incidents in the summary, updates newest first, affected components', () => {
    const components = componentsOf(services, [story()], new Set());
    const s = summaryJson(page, components, [story()], '2026-01-01T00:00:00Z');
    expect(s.status.indicator).toBe('major');
    expect(s.page).toMatchObject({
      id: 'nocturne',
      url: page.url,
      time_zone: 'Etc/UTC',
      updated_at: '2026-11-30T10:20:00.000Z',
    });
    expect(s.incidents).toHaveLength(1);
    expect(s.incidents[0]!.incident_updates.map((u) => u.status)).toEqual(['identified', 'investigating']);
    expect(s.incidents[0]!.incident_updates[0]!.affected_components).toEqual([
      { code: 'billing-db', name: 'Billing database', old_status: 'major_outage', new_status: 'partial_outage' },
    ]);
    expect(s.components[1]).toMatchObject({
      id: 'billing-db',
      status: 'partial_outage',
      page_id: 'nocturne',
      group: false,
    });
    expect(incidentsJson(page, components, [story()], '2026-01-01T00:00:00Z').incidents).toHaveLength(1);
  });

  it('escapes what responders wrote in HTML and Atom', () => {
    const i = applyStatusUpdate(
      undefined,
      incident,
      { status: 'investigating', body: '<script>x</script> & more' },
      'u1',
      '2026-11-30T10:00:00.000Z',
    ).next;
    const components = componentsOf(services, [i], new Set());
    const html = statusHtml(page, components, [i], `${page.url}/history.atom`);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt; &amp; more');
    expect(html).toContain('Partial System Outage');
    const atom = statusAtom(page, [i], `${page.url}/history.atom`, '2026-01-01T00:00:00Z');
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(atom).toContain('<id>tag:nocturne,2026:incident/inc-1</id>');
    expect(atom).not.toContain('<script>');
  });
});
