// The slow-burn ticket of an SLO, brought in line with its latest evaluation: load the episode
// marker → decide (shared/domain/slo/ticket.ts) → open the ticket, keep it, or comment on it and
// resolve it. Retry- and race-safe: an episode starts with a conditional write, its ticket is
// opened under a deterministic dedupe key (a retry or a concurrent tick finds the same ticket), and
// the resolution is committed on the marker before the ticket is touched, with a comment id that a
// retry repeats. The ticket lands in the SLO category, in the owning team's queue when one exists
// with the team's id (else the category's default queue); it never pages.
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import type { SloEvaluation } from '../../domain/slo/evaluate';
import type { Slo } from '../../domain/slo/model';
import {
  decideSloTicket,
  sloTicketContent,
  sloTicketKey,
  sloTicketResolutionComment,
  type SloTicketStep,
} from '../../domain/slo/ticket';
import type { Category } from '../../domain/tickets/config';
import { deterministicUlid } from '../../domain/tickets/ids';
import type { Actor } from '../../domain/tickets/ticket';
import { logger } from '../../observability/logger';
import {
  beginSloTicketEpisode,
  finishSloTicketEpisode,
  getSloTicketState,
  recordSloTicket,
  startResolvingSloTicket,
} from '../../store/slo';
import { ensureConfig, getConfig } from '../../store/ticket-config';
import { DuplicateMessageError, ticketByDedupeKey } from '../../store/tickets';
import { addComment, openTicket } from '../tickets/commands';

const ACTOR: Actor = { type: 'system', id: 'slo-evaluator', name: 'SLO burn-rate alerts' };
const REQUESTER = { email: 'slo@nocturne.local', name: 'SLO burn-rate alerts' };

/** The ticket category slow burns open tickets in (created on first use; operators may edit it). */
export function sloTicketCategoryId(): string {
  return process.env.SLO_TICKET_CATEGORY ?? 'slo-burn';
}

export function sloTicketCategory(defaultQueueId?: string): Category {
  return {
    id: sloTicketCategoryId(),
    name: 'SLO slow burn',
    description:
      'An SLO burns its error budget at 1x or more over 3 days and 6 hours (docs/slo.md). Opened and resolved by the SLO evaluator.',
    fields: [],
    defaultPriority: 'P3',
    ...(defaultQueueId ? { defaultQueueId } : {}),
    requiredSkills: [],
    reopenWindowHours: 168,
    notify: { created: ['queue'] },
    requesterVisible: false,
    emailAddresses: [],
  };
}

export interface SloTicketSync {
  step: SloTicketStep['kind'];
  episode?: number;
  ticketId?: string;
  ticketNumber?: number;
  /** Set when the step could not complete (logged; the next tick tries again). */
  note?: string;
}

type Subject = Pick<Slo, 'id' | 'name' | 'service' | 'team' | 'objective'>;

/** One pass for one SLO. `e` is its evaluation now, or 'deleted' when the SLO is gone. */
export async function syncSloTicket(slo: Subject, e: SloEvaluation | 'deleted', now: Date): Promise<SloTicketSync> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await getSloTicketState(slo.id);
    const step = decideSloTicket(e === 'deleted' ? 'deleted' : e.status, state);
    if (step.kind === 'none') return { step: 'none' };
    if (step.kind === 'keep')
      return { step: 'keep', episode: state!.episode, ticketId: state!.ticketId, ticketNumber: state!.ticketNumber };
    if (step.kind === 'open') {
      // Another tick may have started this episode (or resolved it) meanwhile: decide again.
      if (step.fresh && !(await beginSloTicketEpisode(slo.id, step.episode, now.toISOString()))) continue;
      return openEpisodeTicket(slo, e as SloEvaluation, step.episode, now);
    }
    return resolveEpisodeTicket(slo, step.episode, step.reason, state?.ticketId, now);
  }
  return { step: 'none', note: 'concurrent ticks kept changing the episode; the next tick converges' };
}

async function openEpisodeTicket(slo: Subject, e: SloEvaluation, episode: number, now: Date): Promise<SloTicketSync> {
  const categoryId = sloTicketCategoryId();
  if (!(await getConfig('category', categoryId)))
    await ensureConfig('category', sloTicketCategory(), now.toISOString());
  const teamQueue = slo.team ? await getConfig('queue', slo.team) : undefined;
  const key = sloTicketKey(slo.id, episode);
  try {
    const t = await openTicket({
      input: {
        ...sloTicketContent(slo, e),
        categoryId,
        ...(teamQueue ? { queueId: teamQueue.id } : {}),
        fields: {},
        watchers: [],
        links: [],
      },
      requester: REQUESTER,
      source: 'api',
      actor: ACTOR,
      now,
      extras: { dedupeKey: key },
    });
    await recordSloTicket(slo.id, episode, t.id, t.number);
    logger.info('SLO slow burn: ticket opened', { slo: slo.id, episode, ticketId: t.id, number: t.number });
    return { step: 'open', episode, ticketId: t.id, ticketNumber: t.number };
  } catch (err) {
    if (err instanceof DuplicateMessageError && err.ticketId) {
      await recordSloTicket(slo.id, episode, err.ticketId);
      return { step: 'open', episode, ticketId: err.ticketId };
    }
    if (err instanceof ValidationError) {
      // A category edited into one a ticket cannot satisfy (e.g. a required field): say so; GET /slos shows the status.
      logger.error('SLO slow-burn ticket cannot be opened; fix the ticket category', {
        slo: slo.id,
        category: categoryId,
        issues: err.issues,
      });
      return { step: 'open', episode, note: err.message };
    }
    throw err;
  }
}

async function resolveEpisodeTicket(
  slo: Subject,
  episode: number,
  reason: 'recovered' | 'paged' | 'deleted',
  knownTicketId: string | undefined,
  now: Date,
): Promise<SloTicketSync> {
  const committed = await startResolvingSloTicket(slo.id, episode, reason, now.toISOString());
  if (!committed) return { step: 'none', episode, note: 'the episode was resolved by another tick' };
  // The ticket of an episode whose opening tick died before recording it is found by its key.
  const ticketId = committed.ticketId ?? knownTicketId ?? (await ticketByDedupeKey(sloTicketKey(slo.id, episode)));
  const at = committed.resolvingAt ?? now.toISOString();
  if (ticketId) {
    try {
      await addComment(ticketId, {
        input: {
          body: sloTicketResolutionComment(slo, committed.reason ?? reason, at),
          visibility: 'internal',
          status: 'resolved',
        },
        actor: ACTOR,
        now,
        source: 'system',
        commentId: deterministicUlid(Date.parse(at), `slo-burn-resolved#${slo.id}#${episode}`),
      });
    } catch (err) {
      // Already commented (a retry), gone, or closed by a person: nothing left to do on the ticket.
      if (!(err instanceof DuplicateMessageError || err instanceof NotFoundError || err instanceof ConflictError))
        throw err;
    }
  }
  await finishSloTicketEpisode(slo.id, episode);
  logger.info('SLO slow burn: ticket resolved', { slo: slo.id, episode, ticketId, reason: committed.reason ?? reason });
  return { step: 'resolve', episode, ticketId, ticketNumber: committed.ticketNumber };
}
