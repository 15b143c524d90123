// A postmortem's lifecycle, pure: draft → in review → published (and back from review to draft),
// which severities require one, the state of an action item from its ticket, completion, overdue
// items and reminder times. Time is passed in.
import { ConflictError } from '../errors';
import type { ActionItem, ActionItemState, PersonRef, Postmortem, PostmortemStatus } from './model';

/** Severities that require a postmortem unless configured otherwise (POSTMORTEM_REQUIRED_SEVERITIES). */
export const DEFAULT_REQUIRED_SEVERITIES = ['P1', 'P2'] as const;

/** The configured list ("P1,P2"); blank or unset gives the default, "none" requires none. */
export function requiredSeverities(setting: string | undefined): string[] {
  const raw = (setting ?? '').trim();
  if (!raw) return [...DEFAULT_REQUIRED_SEVERITIES];
  if (raw.toLowerCase() === 'none') return [];
  return raw
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
}

export function postmortemRequired(severity: string, required: readonly string[]): boolean {
  return required.includes(severity);
}

const NEXT: Record<PostmortemStatus, readonly PostmortemStatus[]> = {
  draft: ['in-review'],
  'in-review': ['draft', 'published'],
  published: [],
};

/** The postmortem in its next state; an illegal transition is a ConflictError (409) that says which are legal. */
export function transition(
  pm: Postmortem,
  to: PostmortemStatus,
  by: PersonRef,
  at: string,
  comment?: string,
): Postmortem {
  if (pm.status === to) throw new ConflictError(`The postmortem is already ${to}.`);
  if (!NEXT[pm.status].includes(to))
    throw new ConflictError(
      pm.status === 'published'
        ? 'The postmortem is published; it no longer changes state (follow its action items instead).'
        : `A postmortem that is ${pm.status} cannot become ${to}; it can become ${NEXT[pm.status].join(' or ')}.`,
    );
  if (to === 'in-review' && !pm.whyTree)
    throw new ConflictError('Write the root cause (whyTree) before asking for a review.');
  const change = { from: pm.status, to, at, by, ...(comment ? { comment } : {}) };
  return {
    ...pm,
    status: to,
    history: [...pm.history, change],
    ...(to === 'published' ? { publishedAt: at } : {}),
  };
}

/** The analysis may change while the postmortem is a draft or in review; a published one is the record. */
export function assertEditable(pm: Postmortem): void {
  if (pm.status === 'published')
    throw new ConflictError(
      'The postmortem is published; its analysis no longer changes (its action items are tickets).',
    );
}

/** An action item's state, read from its ticket: resolved as wont-fix is an accepted risk. */
export function actionItemState(
  ticket: { status: string; resolution?: { code: string } } | undefined,
): ActionItemState {
  if (!ticket) return 'open';
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return 'open';
  return ticket.resolution?.code === 'wont-fix' ? 'accepted' : 'done';
}

export interface Completion {
  complete: boolean;
  open: number;
  done: number;
  accepted: number;
}

/** Complete: published, and every action item done or accepted. */
export function completion(pm: Pick<Postmortem, 'status'>, states: readonly ActionItemState[]): Completion {
  const count = (s: ActionItemState) => states.filter((x) => x === s).length;
  const open = count('open');
  return { complete: pm.status === 'published' && open === 0, open, done: count('done'), accepted: count('accepted') };
}

/** The UTC day (YYYY-MM-DD) of an instant. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** Overdue: still open and its due date is before today (due today is not yet overdue). */
export function isOverdue(item: Pick<ActionItem, 'dueDate'>, state: ActionItemState, today: string): boolean {
  return state === 'open' && item.dueDate < today;
}

/** When the reminder goes: `daysBefore` days before the due date, at 09:00 UTC; undefined when that is past. */
export function reminderAt(dueDate: string, daysBefore: number, now: Date): string | undefined {
  const at = new Date(Date.parse(`${dueDate}T09:00:00Z`) - daysBefore * 86400_000);
  return at.getTime() > now.getTime() ? at.toISOString() : undefined;
}
