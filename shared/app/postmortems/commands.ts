// Postmortems, orchestrated (docs/postmortems.md): generate a draft from an incident's record (by
// hand, or when a P1/P2 incident resolves), save the analysis (opening one ticket per new action
// item, linked both ways, and scheduling its reminder), move it through review to published, read it
// with each item's state from its ticket, and report overdue items.
import type { IncidentSnapshot } from '../../../events/incidents';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import { checkAnalysis, planActionItems } from '../../domain/postmortems/analysis';
import { incidentFacts } from '../../domain/postmortems/facts';
import {
  actionItemState,
  assertEditable,
  completion,
  dayOf,
  isOverdue,
  postmortemRequired,
  requiredSeverities,
  transition,
  type Completion,
} from '../../domain/postmortems/lifecycle';
import type {
  ActionItem,
  ActionItemInput,
  ActionItemState,
  AnalysisInput,
  IncidentFacts,
  PersonRef,
  Postmortem,
  PostmortemStatus,
} from '../../domain/postmortems/model';
import type { Actor as TicketActor, Ticket } from '../../domain/tickets/ticket';
import { getIncidentDetail } from '../../store/incidents';
import { pagesOf } from '../../store/oncall-pages';
import {
  actionItemsDueBy,
  getPostmortem,
  insertPostmortem,
  requirePostmortem,
  savePostmortem,
  type ActionItemEntry,
} from '../../store/postmortems';
import { DuplicateMessageError, getTicket } from '../../store/tickets';
import { openTicket } from '../tickets/commands';
import { syncReminders } from './reminders';

/** The ticket category of action items (POSTMORTEM_TICKET_CATEGORY; the demo seeds it). */
export const actionItemCategory = () => process.env.POSTMORTEM_TICKET_CATEGORY || 'postmortem-action';
export const requiredBySetting = () => requiredSeverities(process.env.POSTMORTEM_REQUIRED_SEVERITIES);

/** The facts of an incident as its record stands now. */
async function factsOf(incidentId: string, now: Date, mitigatedAt?: string): Promise<IncidentFacts> {
  const [detail, pages] = await Promise.all([getIncidentDetail(incidentId), pagesOf(incidentId)]);
  if (!detail) throw new NotFoundError(`No incident with id ${incidentId}.`);
  return incidentFacts(
    {
      incident: detail.incident,
      timeline: detail.timeline,
      pages,
      alerts: detail.alerts,
    },
    now.toISOString(),
    mitigatedAt,
  );
}

/**
 * A new draft for an incident. `ifMissing`: answer the existing postmortem instead of a 409 (the
 * automatic draft on resolution is retried and must not fail on its own earlier success).
 */
export async function createPostmortem(r: {
  incidentId: string;
  by: PersonRef;
  now: Date;
  ifMissing?: boolean;
}): Promise<{ postmortem: Postmortem; created: boolean }> {
  const existing = await getPostmortem(r.incidentId);
  if (existing) {
    if (r.ifMissing) return { postmortem: existing, created: false };
    throw new ConflictError(`Incident ${r.incidentId} already has a postmortem (${existing.status}).`);
  }
  const facts = await factsOf(r.incidentId, r.now);
  const at = r.now.toISOString();
  const pm: Postmortem = {
    id: r.incidentId,
    incidentId: r.incidentId,
    status: 'draft',
    required: postmortemRequired(facts.severity, requiredBySetting()),
    facts,
    contributingFactors: [],
    actionItems: [],
    history: [],
    createdAt: at,
    createdBy: r.by,
    updatedAt: at,
    version: 1,
  };
  if (await insertPostmortem(pm)) return { postmortem: pm, created: true };
  return createPostmortem({ ...r, ifMissing: r.ifMissing });
}

/** On Incident Resolved: a draft for an incident whose severity requires one (once). */
export async function draftOnResolution(
  i: Pick<IncidentSnapshot, 'id' | 'severity' | 'status'>,
  now: Date,
): Promise<'created' | 'exists' | 'not required'> {
  if (i.status !== 'resolved' || !postmortemRequired(i.severity, requiredBySetting())) return 'not required';
  const r = await createPostmortem({
    incidentId: i.id,
    by: { type: 'system', id: 'postmortem-drafts', name: 'Postmortem policy' },
    now,
    ifMissing: true,
  });
  return r.created ? 'created' : 'exists';
}

function ticketActor(by: PersonRef): TicketActor {
  return { type: by.type === 'system' ? 'system' : 'agent', id: by.id, name: by.name };
}

/** Open the ticket of an action item (once per postmortem and key: a retry finds the first one). */
async function openActionTicket(pm: Postmortem, a: ActionItemInput, by: PersonRef, now: Date): Promise<ActionItem> {
  const dedupeKey = `postmortem#${pm.id}#${a.key}`;
  let ticket: Ticket;
  try {
    ticket = await openTicket({
      input: {
        subject: `Postmortem #${pm.facts.incidentNumber}: ${a.title}`.slice(0, 300),
        description: [
          `${a.kind === 'corrective' ? 'Corrective' : 'Preventive'} action item "${a.key}" of the postmortem of incident #${pm.facts.incidentNumber} (${pm.facts.title}).`,
          `Owner: ${a.owner.name ?? a.owner.id}. Due: ${a.dueDate}.`,
          a.description ?? '',
          'Resolve this ticket as done when it is done, or as wont-fix to accept the risk instead.',
        ]
          .filter(Boolean)
          .join('\n\n'),
        categoryId: actionItemCategory(),
        fields: {},
        requester: { email: a.owner.email, name: a.owner.name },
        assignee: { id: a.owner.id, name: a.owner.name, email: a.owner.email },
        watchers: [],
        links: [
          { kind: 'postmortem', ref: pm.id, title: `Postmortem of incident #${pm.facts.incidentNumber}` },
          { kind: 'incident', ref: pm.incidentId, title: `Incident #${pm.facts.incidentNumber}` },
        ],
      },
      requester: { email: a.owner.email, name: a.owner.name },
      source: 'api',
      actor: ticketActor(by),
      now,
      extras: { dedupeKey },
    });
  } catch (err) {
    if (err instanceof DuplicateMessageError && err.ticketId) {
      const first = await getTicket(err.ticketId);
      if (!first) throw err;
      ticket = first;
    } else if (err instanceof ValidationError)
      // The ticket's own checks (its category, queue, assignee) speak of ticket fields: name the item.
      throw new ValidationError(
        `The ticket of action item "${a.key}" cannot be opened: ${err.message}`,
        err.issues.map((i) => ({ field: `actionItems[key=${a.key}].${i.field}`, message: i.message })),
      );
    else throw err;
  }
  return { ...a, ticketId: ticket.id, ticketNumber: ticket.number, createdAt: now.toISOString() };
}

/**
 * Replace the analysis (at the version the author read). Bad input changes nothing: the analysis is
 * checked before any ticket is opened. New action items get their ticket first, then the postmortem
 * is written; a retry after a failure in between reuses the tickets already opened.
 */
export async function saveAnalysis(id: string, input: AnalysisInput, by: PersonRef, now: Date): Promise<Postmortem> {
  const pm = await requirePostmortem(id);
  assertEditable(pm);
  if (pm.version !== input.version)
    throw new ConflictError(
      `The postmortem is at version ${pm.version}, not ${input.version}; read it again and reapply your change.`,
    );
  checkAnalysis(input, pm.actionItems);
  const plan = planActionItems(input.actionItems, pm.actionItems);
  const opened = new Map<string, ActionItem>();
  for (const a of plan.toOpen) opened.set(a.key, await openActionTicket(pm, a, by, now));
  const kept = new Map(plan.kept.map((k) => [k.input.key, k]));
  const actionItems: ActionItem[] = input.actionItems.map((a) => {
    const k = kept.get(a.key);
    return k ? { ...k.existing, ...a } : opened.get(a.key)!;
  });
  const facts = await factsOf(pm.incidentId, now, input.mitigatedAt);
  const next: Postmortem = {
    ...pm,
    facts,
    summary: input.summary,
    impact: input.impact,
    mitigatedAt: input.mitigatedAt,
    whyTree: input.whyTree,
    contributingFactors: input.contributingFactors,
    actionItems,
    updatedAt: now.toISOString(),
  };
  for (const k of ['summary', 'impact', 'mitigatedAt', 'whyTree'] as const) if (next[k] === undefined) delete next[k];
  const saved = await savePostmortem(next, pm.version);
  await syncReminders(saved, now);
  return saved;
}

/** Generate the facts again from the incident's record (a draft or one in review). */
export async function refreshFacts(id: string, expectedVersion: number, now: Date): Promise<Postmortem> {
  const pm = await requirePostmortem(id);
  assertEditable(pm);
  const facts = await factsOf(pm.incidentId, now, pm.mitigatedAt);
  return savePostmortem({ ...pm, facts, updatedAt: now.toISOString() }, expectedVersion);
}

export async function changeStatus(
  id: string,
  to: PostmortemStatus,
  expectedVersion: number,
  by: PersonRef,
  now: Date,
  comment?: string,
): Promise<Postmortem> {
  const pm = await requirePostmortem(id);
  if (pm.version !== expectedVersion)
    throw new ConflictError(`The postmortem is at version ${pm.version}, not ${expectedVersion}; read it again.`);
  const next = transition(pm, to, by, now.toISOString(), comment);
  return savePostmortem({ ...next, updatedAt: now.toISOString() }, pm.version);
}

export interface ActionItemView extends ActionItem {
  state: ActionItemState;
  overdue: boolean;
  ticketStatus?: string;
}

export interface PostmortemView {
  postmortem: Postmortem;
  items: ActionItemView[];
  completion: Completion;
}

/** The postmortem with each action item's state read from its ticket, and whether it is complete. */
export async function viewPostmortem(id: string, now: Date): Promise<PostmortemView> {
  const pm = await requirePostmortem(id);
  const tickets = await Promise.all(pm.actionItems.map((a) => getTicket(a.ticketId, false)));
  const today = dayOf(now);
  const items = pm.actionItems.map((a, i): ActionItemView => {
    const state = actionItemState(tickets[i]);
    return {
      ...a,
      state,
      overdue: isOverdue(a, state, today),
      ...(tickets[i] ? { ticketStatus: tickets[i].status } : {}),
    };
  });
  return {
    postmortem: pm,
    items,
    completion: completion(
      pm,
      items.map((i) => i.state),
    ),
  };
}

export interface OverdueItem extends ActionItemEntry {
  daysOverdue: number;
  ticketStatus?: string;
}

/** Action items past their due date whose ticket is still open, most overdue first. */
export async function overdueActionItems(now: Date): Promise<OverdueItem[]> {
  const yesterday = dayOf(new Date(now.getTime() - 86400_000));
  const due = await actionItemsDueBy(yesterday);
  const tickets = await Promise.all(due.map((d) => getTicket(d.ticketId, false)));
  const today = Date.parse(`${dayOf(now)}T00:00:00Z`);
  return due
    .map((d, i) => ({ d, t: tickets[i] }))
    .filter(({ t }) => actionItemState(t) === 'open')
    .map(({ d, t }) => ({
      ...d,
      daysOverdue: Math.round((today - Date.parse(`${d.dueDate}T00:00:00Z`)) / 86400_000),
      ...(t ? { ticketStatus: t.status } : {}),
    }));
}
