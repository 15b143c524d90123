// Sending one page: render it for the channel, claim it (once per incident, epoch, round, level,
// person and channel, and only while the incident is triggered), publish it to the 'pages' topic,
// and record the outcome. A failed publish is retried on a durable timer, re-claiming the same
// page item, so a retry never becomes a second page; once the incident is acknowledged or
// resolved the retry is cancelled instead. A crash between claim and outcome leaves the page
// "claimed" and it is not sent again (at most once; the next level is the safety net).
import { getNotifier } from '../../adapters/notifier';
import type { Actor, Incident } from '../../domain/incidents/model';
import { pageAttributes, pageMessage, type PageContext } from '../../domain/oncall/pages';
import type { ContactMethod, User } from '../../domain/oncall/people';
import type { Step } from '../../domain/oncall/policy';
import { logger } from '../../observability/logger';
import { getIncident, mutateIncident } from '../../store/incidents';
import {
  cancelFailedPage,
  claimPages,
  getEscalation,
  getPage,
  incidentAlerts,
  markPageFailed,
  markPageSent,
  pageKey,
  reclaimFailedPage,
  type IncidentAlertSummary,
  type PageAttempt,
  type SentPage,
} from '../../store/oncall-pages';
import { users } from '../../store/oncall';
import { serviceMap } from '../../store/services';
import { scheduleTimer } from '../../store/timers';
import { pageLinks } from './page-links';

export const PAGE_DELIVER_TIMER = 'page-deliver';
export const PAGE_RETRY_TIMER = 'page-retry';
/** Seconds before publish attempts 2, 3, 4 and 5; after the fifth failure the page is abandoned. */
export const PAGE_RETRY_DELAYS_S = [30, 60, 120, 300];

export const ESCALATION_ACTOR: Actor = { type: 'system', id: 'escalation', name: 'Escalation' };

export type PageOutcome = 'sent' | 'failed' | 'duplicate' | 'not-triggered';

/** What every page of an incident shares (loaded once per level). */
export type IncidentPageContext = Omit<PageContext, 'recipient' | 'step' | 'policyName' | 'links'>;

/** `alerts`: the incident's alerts when the caller read them already (incidentForEscalation). */
export async function incidentPageContext(
  incident: Incident,
  now: Date,
  alerts?: IncidentAlertSummary[],
): Promise<IncidentPageContext> {
  const [linked, services] = await Promise.all([
    alerts ?? incidentAlerts(incident.id),
    incident.serviceId ? serviceMap(now.getTime()) : undefined,
  ]);
  const members = linked.filter((a) => a.relation === 'member');
  return {
    incident: {
      id: incident.id,
      number: incident.number,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      serviceId: incident.serviceId,
      teamId: incident.teamId,
      openedAt: incident.openedAt,
      alertCount: incident.alertCount,
    },
    serviceName: incident.serviceId ? services?.get(incident.serviceId)?.name : undefined,
    summary: members.find((a) => a.status === 'firing')?.summary || incident.title,
    alerts: linked.map(({ summary, severity, status }) => ({ summary, severity, status })),
  };
}

export interface PageRequest {
  context: IncidentPageContext;
  epoch: number;
  step: Step;
  policyName: string;
  user: Pick<User, 'id' | 'name'>;
  method: ContactMethod;
  now: Date;
}

/** A page with the text to publish (the log entry stores it without: pagePut). */
export type RenderedPage = PageAttempt & { message: string };

/** Render a page and its log entry (nothing is written yet). */
export function preparePage(r: PageRequest): RenderedPage {
  const incidentId = r.context.incident.id;
  const key = pageKey({
    epoch: r.epoch,
    ...r.step,
    userId: r.user.id,
    channel: r.method.type,
    contactMethodId: r.method.id,
  });
  const msg = pageMessage(r.method.type, {
    ...r.context,
    recipient: { userId: r.user.id, name: r.user.name },
    step: r.step,
    policyName: r.policyName,
    links: pageLinks(incidentId, r.user.id, r.now),
  });
  return {
    key,
    incidentId,
    incidentNumber: r.context.incident.number,
    epoch: r.epoch,
    round: r.step.round,
    level: r.step.level,
    userId: r.user.id,
    userName: r.user.name,
    channel: r.method.type,
    contactMethodId: r.method.id,
    address: r.method.address,
    status: 'claimed',
    attempts: 0,
    claimedAt: r.now.toISOString(),
    policyName: r.policyName,
    subject: msg.subject,
    message: msg.message,
  };
}

/**
 * Claim pages of one incident together, then publish the ones this call claimed. Outcomes in
 * order. With `sent`, a published page is not recorded as sent here: it is added to `sent`, and
 * the caller records it (in the transaction of its own change, `pageSentItem`, or `markPagesSent`).
 */
export async function sendPages(pages: RenderedPage[], now: Date, sent?: SentPage[]): Promise<PageOutcome[]> {
  const claims = await claimPages(pages, now);
  return Promise.all(
    pages.map((p, i) => (claims[i] === 'claimed' ? publishClaimed(p, 1, now, sent) : Promise.resolve(claims[i]!))),
  );
}

/** Record published pages as sent one by one (when the change they were to be recorded with did not commit). */
export async function markPagesSent(sent: SentPage[]): Promise<void> {
  await Promise.all(sent.map((p) => markPageSent(p.incidentId, p.key, p.attempts, p.messageId, p.at)));
}

export async function sendPage(r: PageRequest): Promise<PageOutcome> {
  const [outcome] = await sendPages([preparePage(r)], r.now);
  return outcome!;
}

const retryTimerId = (incidentId: string, key: string) => `${PAGE_RETRY_TIMER}#${incidentId}#${key}`;

async function publishClaimed(
  p: RenderedPage,
  attempt: number,
  now: Date,
  sent?: SentPage[],
): Promise<'sent' | 'failed'> {
  try {
    const r = await getNotifier().publish({
      topic: 'pages',
      subject: p.subject,
      message: p.message,
      structure: 'json',
      attributes: pageAttributes({
        userId: p.userId,
        channel: p.channel,
        address: p.address,
        incidentId: p.incidentId,
      }),
      deduplicationId: `page:${p.incidentId}:${p.key}`,
    });
    const record = {
      incidentId: p.incidentId,
      key: p.key,
      attempts: attempt,
      messageId: r.messageId,
      at: now.toISOString(),
    };
    if (sent) sent.push(record);
    else await markPageSent(record.incidentId, record.key, record.attempts, record.messageId, record.at);
    return 'sent';
  } catch (err) {
    const error = `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}`;
    const delay = PAGE_RETRY_DELAYS_S[attempt - 1];
    const nextRetryAt = delay === undefined ? undefined : new Date(now.getTime() + delay * 1000).toISOString();
    logger.warn('page publish failed', { incidentId: p.incidentId, page: p.key, attempt, error, nextRetryAt });
    await markPageFailed(p.incidentId, p.key, attempt, error, nextRetryAt);
    if (nextRetryAt)
      await scheduleTimer({
        id: retryTimerId(p.incidentId, p.key),
        kind: PAGE_RETRY_TIMER,
        dueAt: nextRetryAt,
        payload: { incidentId: p.incidentId, key: p.key },
      });
    else
      await note(
        p.incidentId,
        now,
        `Could not page ${p.userName} by ${p.channel} (level ${p.level}, round ${p.round}) after ${attempt} attempts: ${error}`,
        'page-failed',
      );
    return 'failed';
  }
}

/** Timer: publish a failed page again, unless the incident is no longer triggered. */
export async function retryPage(incidentId: string, key: string, now: Date): Promise<void> {
  const p = await getPage(incidentId, key);
  if (!p || p.status !== 'failed') return;
  const claim = await reclaimFailedPage(incidentId, key, p.attempts);
  if (claim === 'not-triggered') {
    await cancelFailedPage(incidentId, key, 'not retried: the incident is no longer triggered');
    return;
  }
  if (claim === 'claimed') await publishClaimed(await rendered(p, now), p.attempts + 1, now);
}

/** A stored page with its text: rendered again from the incident as it is now (its links fresh). */
async function rendered(p: PageAttempt, now: Date): Promise<RenderedPage> {
  if (p.message !== undefined) return { ...p, message: p.message };
  const incident = await getIncident(p.incidentId);
  if (!incident) throw new Error(`page ${p.key}: incident ${p.incidentId} not found`);
  const msg = pageMessage(p.channel, {
    ...(await incidentPageContext(incident, now)),
    recipient: { userId: p.userId, name: p.userName },
    step: { round: p.round, level: p.level },
    policyName: p.policyName ?? '',
    links: pageLinks(p.incidentId, p.userId, now),
  });
  return { ...p, subject: msg.subject, message: msg.message };
}

export interface DelayedPage {
  incidentId: string;
  epoch: number;
  round: number;
  level: number;
  userId: string;
  contactMethodId: string;
  policyName: string;
}

export const delayedPageTimerId = (d: { incidentId: string; key: string }) =>
  `${PAGE_DELIVER_TIMER}#${d.incidentId}#${d.key}`;

/** Timer: a notification rule with a delay ("email after 2 minutes") comes due. */
export async function deliverDelayedPage(d: DelayedPage, now: Date): Promise<void> {
  const [incident, state, user] = await Promise.all([
    getIncident(d.incidentId),
    getEscalation(d.incidentId),
    users.get(d.userId),
  ]);
  if (!incident || incident.status !== 'triggered') return;
  // The chain was restarted (reopened, reassigned, ack timeout): the new chain pages afresh.
  if (!state || state.epoch !== d.epoch) return;
  const method = user?.contactMethods.find((m) => m.id === d.contactMethodId);
  if (!user || !method) {
    logger.info('delayed page dropped: the user or contact method is gone', { ...d });
    return;
  }
  const context = await incidentPageContext(incident, now);
  await sendPage({
    context,
    epoch: d.epoch,
    step: { round: d.round, level: d.level },
    policyName: d.policyName,
    user,
    method,
    now,
  });
}

/** A timeline entry that is not an event (no change people are told of). */
export async function note(
  incidentId: string,
  now: Date,
  message: string,
  kind = 'escalation',
  change?: Record<string, unknown>,
): Promise<void> {
  const at = now.toISOString();
  await mutateIncident(incidentId, at, (cur) => ({
    incident: { ...cur },
    timeline: [{ at, actor: ESCALATION_ACTOR, kind, message, ...(change ? { change } : {}) }],
  }));
}
