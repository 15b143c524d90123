// Postmortem rules, pure: why-tree validation (3 to 7 levels, leaves end in an action item or an
// accepted risk), the draft → in review → published lifecycle, completion from the items' tickets,
// overdue items and reminders, the facts generated from an incident's record, and the Markdown.
import { ConflictError, ValidationError } from '../../../shared/domain/errors';
import { checkAnalysis, whyTreeIssues, whyTreeShape } from '../../../shared/domain/postmortems/analysis';
import { incidentFacts, type IncidentRecord } from '../../../shared/domain/postmortems/facts';
import {
  actionItemState,
  completion,
  isOverdue,
  postmortemRequired,
  reminderAt,
  requiredSeverities,
  transition,
} from '../../../shared/domain/postmortems/lifecycle';
import { postmortemMarkdown } from '../../../shared/domain/postmortems/markdown';
import {
  analysisSchema,
  type ActionItem,
  type Postmortem,
  type Why,
  type WhyTree,
} from '../../../shared/domain/postmortems/model';

/** A single chain of n whys, its leaf ending in action item "fix". */
function chain(n: number, leaf: Partial<Why> = { actionItem: 'fix' }): WhyTree {
  const whys: Why[] = [];
  for (let i = 1; i <= n; i++)
    whys.push({
      id: `w${i}`,
      ...(i > 1 ? { parent: `w${i - 1}` } : {}),
      because: `cause ${i}`,
      ...(i === n ? leaf : {}),
    });
  return { problem: 'Why did billing stop?', whys };
}

const item = (key: string, over: Partial<ActionItem> = {}): ActionItem => ({
  key,
  title: `Do ${key}`,
  kind: 'corrective',
  owner: { id: 'alice', name: 'Alice', email: 'alice@nocturne.local' },
  dueDate: '2026-12-10',
  ticketId: `T-${key}`,
  ticketNumber: 7,
  createdAt: '2026-11-30T10:00:00.000Z',
  ...over,
});

const record: IncidentRecord = {
  incident: {
    number: 42,
    title: 'Billing API down',
    severity: 'P1',
    serviceId: 'billing-api',
    teamId: 'platform',
    detectedAt: '2026-11-30T02:58:00.000Z',
    openedAt: '2026-11-30T03:00:00.000Z',
    acknowledgedAt: '2026-11-30T03:04:00.000Z',
    acknowledgedBy: { type: 'user', id: 'alice', name: 'Alice' },
    resolvedAt: '2026-11-30T03:40:00.000Z',
    resolvedBy: { type: 'user', id: 'bob', name: 'Bob' },
  },
  timeline: [
    {
      at: '2026-11-30T03:40:00.000Z',
      actor: { type: 'user', id: 'bob', name: 'Bob' },
      kind: 'resolved',
      message: 'Resolved by Bob',
    },
    { at: '2026-11-30T03:00:00.000Z', actor: { type: 'rule', id: 'r' }, kind: 'opened', message: 'Opened' },
    {
      at: '2026-11-30T03:10:00.000Z',
      actor: { type: 'user', id: 'alice', name: 'Alice' },
      kind: 'note',
      message: 'Rolling back',
    },
    {
      at: '2026-11-30T03:04:00.000Z',
      actor: { type: 'user', id: 'alice', name: 'Alice' },
      kind: 'acknowledged',
      message: 'Acknowledged by Alice',
    },
    {
      at: '2026-11-30T03:20:00.000Z',
      actor: { type: 'system', id: 'runbook' },
      kind: 'runbook-step',
      message: 'restart: succeeded',
    },
    {
      at: '2026-11-30T03:25:00.000Z',
      actor: { type: 'system', id: 'runbook' },
      kind: 'mitigated',
      message: 'Traffic back',
    },
  ],
  pages: [
    {
      userId: 'bob',
      userName: 'Bob',
      channel: 'sms',
      status: 'sent',
      level: 2,
      round: 1,
      claimedAt: '2026-11-30T03:15:00.000Z',
      sentAt: '2026-11-30T03:15:01.000Z',
    },
    {
      userId: 'alice',
      userName: 'Alice',
      channel: 'sms',
      status: 'sent',
      level: 1,
      round: 1,
      claimedAt: '2026-11-30T03:00:01.000Z',
      sentAt: '2026-11-30T03:00:02.000Z',
    },
  ],
  alerts: [
    {
      alertId: 'a2',
      summary: 'Latency high',
      severity: 'warning',
      relation: 'member',
      joinedAt: '2026-11-30T03:01:00.000Z',
    },
    {
      alertId: 'a1',
      summary: '5xx rate',
      severity: 'critical',
      relation: 'member',
      joinedAt: '2026-11-30T03:00:00.000Z',
      resolvedAt: '2026-11-30T03:39:00.000Z',
    },
    {
      alertId: 'a3',
      summary: 'Upstream',
      severity: 'critical',
      relation: 'related',
      joinedAt: '2026-11-30T03:02:00.000Z',
    },
  ],
};

function postmortem(over: Partial<Postmortem> = {}): Postmortem {
  return {
    id: 'INC1',
    incidentId: 'INC1',
    status: 'draft',
    required: true,
    facts: incidentFacts(record, '2026-11-30T04:00:00.000Z'),
    contributingFactors: [],
    actionItems: [],
    history: [],
    createdAt: '2026-11-30T04:00:00.000Z',
    createdBy: { type: 'system', id: 'postmortem-drafts' },
    updatedAt: '2026-11-30T04:00:00.000Z',
    version: 1,
    ...over,
  };
}
const alice = { type: 'user', id: 'alice', name: 'Alice' };

describe('why-tree validation', () => {
  it('accepts chains of 3 to 7 levels', () => {
    for (const n of [3, 4, 5, 6, 7]) expect(whyTreeIssues(chain(n), new Set(['fix']))).toEqual([]);
    expect(whyTreeShape(chain(5)).depth).toBe(5);
  });

  it('refuses a chain of 2 levels and says so, naming the leaf', () => {
    const issues = whyTreeIssues(chain(2), new Set(['fix']));
    expect(issues).toEqual([
      { field: 'whyTree.whys.1', message: expect.stringContaining('has 2 levels; it needs 3 to 7') },
    ]);
  });

  it('refuses a chain of 8 levels and says so, naming the why past the limit', () => {
    const issues = whyTreeIssues(chain(8), new Set(['fix']));
    expect(issues).toEqual([{ field: 'whyTree.whys.7', message: expect.stringContaining('deeper than 7 levels') }]);
  });

  it('checks every chain of a branching tree', () => {
    const tree: WhyTree = {
      problem: 'p',
      whys: [
        { id: 'a', because: 'a' },
        { id: 'b', parent: 'a', because: 'b' },
        { id: 'c', parent: 'b', because: 'c', actionItem: 'fix' },
        { id: 'd', parent: 'a', because: 'd', acceptedRisk: { reason: 'rare', acceptedBy: 'cto' } },
      ],
    };
    expect(whyTreeIssues(tree, new Set(['fix']))).toEqual([
      { field: 'whyTree.whys.3', message: expect.stringContaining('has 2 levels') },
    ]);
  });

  it('requires each leaf to end in an action item or an accepted risk, and only leaves to', () => {
    expect(whyTreeIssues(chain(3, {}), new Set())).toEqual([
      { field: 'whyTree.whys.2', message: 'a leaf ends in an action item or an accepted risk' },
    ]);
    const inner = chain(3);
    inner.whys[0] = { ...inner.whys[0]!, actionItem: 'fix' };
    expect(whyTreeIssues(inner, new Set(['fix']))[0]!.field).toBe('whyTree.whys.0.actionItem');
    expect(whyTreeIssues(chain(3, { actionItem: 'nope' }), new Set(['fix']))[0]).toEqual({
      field: 'whyTree.whys.2.actionItem',
      message: 'no action item has the key "nope"',
    });
    expect(
      whyTreeIssues(chain(3, { acceptedRisk: { reason: 'cheap to live with', acceptedBy: 'cto' } }), new Set()),
    ).toEqual([]);
  });

  it('refuses a parent that is not an earlier why (so there is no cycle) and duplicate ids', () => {
    const tree: WhyTree = {
      problem: 'p',
      whys: [
        { id: 'a', parent: 'b', because: 'a' },
        { id: 'b', because: 'b' },
      ],
    };
    expect(whyTreeIssues(tree, new Set())[0]).toEqual({
      field: 'whyTree.whys.0.parent',
      message: '"b" is not an earlier why',
    });
    const dup: WhyTree = {
      problem: 'p',
      whys: [
        { id: 'a', because: 'a' },
        { id: 'a', because: 'b' },
      ],
    };
    expect(whyTreeIssues(dup, new Set())[0]!.field).toBe('whyTree.whys.1.id');
  });

  it('an analysis with a 2-level chain is a ValidationError whose title says so', () => {
    const input = analysisSchema.parse({ version: 1, whyTree: chain(2), actionItems: [] });
    expect(() => checkAnalysis(input, [])).toThrow(ValidationError);
    expect(() => checkAnalysis(input, [])).toThrow(/why-tree is not valid: the why-chain ending here has 2 levels/);
  });

  it('an action item without owner or due date fails the schema, naming the field', () => {
    const bad = analysisSchema.safeParse({
      version: 1,
      actionItems: [{ key: 'fix', title: 'Fix it', kind: 'corrective', owner: { id: 'a', email: 'a@x.io' } }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(['actionItems.0.dueDate']);
    const noOwner = analysisSchema.safeParse({
      version: 1,
      actionItems: [{ key: 'fix', title: 'Fix it', kind: 'corrective', dueDate: '2026-12-01' }],
    });
    expect(noOwner.error!.issues.map((i) => i.path.join('.'))).toEqual(['actionItems.0.owner']);
    expect(
      analysisSchema.safeParse({
        version: 1,
        actionItems: [
          { key: 'fix', title: 'F', kind: 'corrective', owner: { id: 'a', email: 'a@x.io' }, dueDate: '2026-02-30' },
        ],
      }).success,
    ).toBe(false);
  });

  it('an item that has its ticket cannot be dropped (409), duplicate keys are 422', () => {
    const input = analysisSchema.parse({ version: 1, actionItems: [] });
    expect(() => checkAnalysis(input, [item('fix')])).toThrow(ConflictError);
    const dup = analysisSchema.parse({
      version: 1,
      actionItems: [0, 1].map(() => ({
        key: 'x',
        title: 't',
        kind: 'preventive',
        owner: { id: 'a', email: 'a@x.io' },
        dueDate: '2026-12-01',
      })),
    });
    expect(() => checkAnalysis(dup, [])).toThrow(ValidationError);
  });
});

describe('lifecycle', () => {
  const at = '2026-11-30T05:00:00.000Z';

  it('goes draft → in review → published, and back from review to draft', () => {
    const withTree = postmortem({ whyTree: chain(3) });
    const review = transition(withTree, 'in-review', alice, at);
    expect(review.status).toBe('in-review');
    expect(transition(review, 'draft', alice, at, 'needs work').history.at(-1)).toEqual({
      from: 'in-review',
      to: 'draft',
      at,
      by: alice,
      comment: 'needs work',
    });
    const published = transition(review, 'published', alice, at);
    expect(published).toMatchObject({ status: 'published', publishedAt: at });
  });

  it('refuses illegal transitions with a ConflictError (409) naming the legal ones', () => {
    expect(() => transition(postmortem({ whyTree: chain(3) }), 'published', alice, at)).toThrow(
      /draft cannot become published; it can become in-review/,
    );
    const published = postmortem({ status: 'published', whyTree: chain(3) });
    expect(() => transition(published, 'draft', alice, at)).toThrow(ConflictError);
    expect(() => transition(postmortem(), 'draft', alice, at)).toThrow(/already draft/);
    expect(() => transition(postmortem(), 'in-review', alice, at)).toThrow(/root cause/);
  });

  it('P1 and P2 require a postmortem by default; the list is configurable', () => {
    expect(requiredSeverities(undefined)).toEqual(['P1', 'P2']);
    expect(requiredSeverities('p1, P3')).toEqual(['P1', 'P3']);
    expect(requiredSeverities('none')).toEqual([]);
    expect(postmortemRequired('P2', requiredSeverities(''))).toBe(true);
    expect(postmortemRequired('P3', requiredSeverities(''))).toBe(false);
  });

  it('an item is done or accepted by its ticket; complete only when published and none is open', () => {
    expect(actionItemState({ status: 'open' })).toBe('open');
    expect(actionItemState({ status: 'resolved', resolution: { code: 'done' } })).toBe('done');
    expect(actionItemState({ status: 'closed', resolution: { code: 'wont-fix' } })).toBe('accepted');
    expect(actionItemState(undefined)).toBe('open');
    expect(completion({ status: 'published' }, ['done', 'accepted'])).toEqual({
      complete: true,
      open: 0,
      done: 1,
      accepted: 1,
    });
    expect(completion({ status: 'published' }, ['done', 'open']).complete).toBe(false);
    expect(completion({ status: 'in-review' }, ['done']).complete).toBe(false);
  });

  it('overdue after the due day while open; reminders go days before at 09:00 UTC, never in the past', () => {
    expect(isOverdue({ dueDate: '2026-12-10' }, 'open', '2026-12-11')).toBe(true);
    expect(isOverdue({ dueDate: '2026-12-10' }, 'open', '2026-12-10')).toBe(false);
    expect(isOverdue({ dueDate: '2026-12-10' }, 'done', '2026-12-20')).toBe(false);
    const now = new Date('2026-11-30T12:00:00Z');
    expect(reminderAt('2026-12-10', 2, now)).toBe('2026-12-08T09:00:00.000Z');
    expect(reminderAt('2026-12-01', 2, now)).toBeUndefined();
  });
});

describe('draft facts from the incident record', () => {
  const facts = incidentFacts(record, '2026-11-30T04:00:00.000Z');

  it('puts the milestones in order with who reached them', () => {
    expect(facts.milestones).toEqual([
      { name: 'detected', at: '2026-11-30T02:58:00.000Z' },
      { name: 'acknowledged', at: '2026-11-30T03:04:00.000Z', by: 'Alice' },
      { name: 'mitigated', at: '2026-11-30T03:25:00.000Z', by: 'runbook' },
      { name: 'resolved', at: '2026-11-30T03:40:00.000Z', by: 'Bob' },
    ]);
  });

  it('lists who was paged and when, member alerts, notes, status changes and runbook runs in time order', () => {
    expect(facts.paged.map((p) => [p.person, p.at])).toEqual([
      ['Alice', '2026-11-30T03:00:02.000Z'],
      ['Bob', '2026-11-30T03:15:01.000Z'],
    ]);
    expect(facts.alerts.map((a) => a.alertId)).toEqual(['a1', 'a2']);
    expect(facts.notes).toEqual([{ at: '2026-11-30T03:10:00.000Z', by: 'Alice', kind: 'note', text: 'Rolling back' }]);
    expect(facts.statusUpdates.map((s) => s.kind)).toEqual(['acknowledged', 'resolved']);
    expect(facts.runbookRuns.map((r) => r.text)).toEqual(['restart: succeeded']);
  });

  it('measures time to detect, MTTA, time to mitigate and MTTR', () => {
    expect(facts.metrics).toEqual({ ttdSeconds: 120, mttaSeconds: 240, mttmSeconds: 1500, mttrSeconds: 2400 });
  });

  it("uses the analysis's mitigation time when people set one; leaves open milestones out", () => {
    const open = incidentFacts(
      { ...record, incident: { ...record.incident, acknowledgedAt: undefined, resolvedAt: undefined }, timeline: [] },
      '2026-11-30T04:00:00.000Z',
      '2026-11-30T03:30:00.000Z',
    );
    expect(open.milestones.map((m) => m.name)).toEqual(['detected', 'mitigated']);
    expect(open.metrics.mttrSeconds).toBeUndefined();
    expect(open.metrics.mttmSeconds).toBe(1800);
  });
});

describe('Markdown export', () => {
  it('renders facts, the why-tree and action items with their states', () => {
    const pm = postmortem({ whyTree: chain(3), summary: 'Billing stopped.', actionItems: [item('fix')] });
    const md = postmortemMarkdown(pm, [{ key: 'fix', state: 'open', overdue: true }], false);
    expect(md).toContain('# Postmortem: incident #42 Billing API down');
    expect(md).toContain('| acknowledged | 2026-11-30T03:04:00.000Z | Alice |');
    expect(md).toContain('MTTA: 4 min');
    expect(md).toContain('    - Why? cause 3 → action item `fix`');
    expect(md).toContain('| fix | corrective | Do fix | Alice | 2026-12-10 | #7 | open (overdue) |');
    expect(md).toContain('Chains: 3 levels.');
  });
});
