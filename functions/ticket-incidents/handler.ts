// Lambda entry for tickets from incidents (see infra/catalog.ts: "ticket-incidents"). On
// Incident Opened, the first matching follow-up rule opens one ticket linked both ways (the
// ticket's incident link and the INCIDENT#<id> / TICKET#<ticketId> item); on Incident Severity
// Changed the same (an incident raised to P1 later gets the follow-up it would have had, once); on Incident Resolved,
// every linked ticket gets a note. Both are retry-safe: one follow-up per incident (conditional
// marker) and one note per incident revision (deterministic comment id).
import { INCIDENT_DETAIL_TYPES, incidentEventDetailSchema, type IncidentSnapshot } from '../../events/incidents';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/domain/errors';
import { firstMatchingRule, type IncidentRule } from '../../shared/domain/tickets/config';
import { deterministicUlid } from '../../shared/domain/tickets/ids';
import type { Priority } from '../../shared/domain/tickets/sla';
import type { Actor } from '../../shared/domain/tickets/ticket';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { addComment, openTicket } from '../../shared/app/tickets/commands';
import { getConfig, listConfig } from '../../shared/store/ticket-config';
import { DuplicateMessageError, followUpOf, ticketsOfIncident } from '../../shared/store/tickets';

const PRIORITY_OF: Record<IncidentSnapshot['severity'], Priority> = {
  P1: 'P1',
  P2: 'P2',
  P3: 'P3',
  P4: 'P4',
  P5: 'P4',
};

const actorOf = (i: IncidentSnapshot): Actor => ({ type: 'incident', id: i.id, name: `Incident #${i.number}` });

/** Known incident facts for the category's fields of the same name. */
async function prefill(rule: IncidentRule, i: IncidentSnapshot): Promise<Record<string, unknown>> {
  const category = await getConfig('category', rule.categoryId);
  const known: Record<string, unknown> = {
    incidentId: i.id,
    incidentNumber: i.number,
    severity: i.severity,
    serviceId: i.serviceId,
    teamId: i.teamId,
    incidentTitle: i.title,
  };
  return Object.fromEntries(
    (category?.fields ?? [])
      .filter((f) => known[f.key] !== undefined)
      .map((f) => [f.key, f.type === 'text' ? String(known[f.key]) : known[f.key]]),
  );
}

async function openFollowUp(i: IncidentSnapshot, reason: string | undefined, now: Date): Promise<string> {
  // A retry after the ticket was stored: answer without spending a ticket number (the marker settles races).
  if (await followUpOf(i.id)) return 'follow-up already exists';
  const rules = await listConfig('incident-rule');
  const rule = firstMatchingRule(rules, { severity: i.severity, serviceId: i.serviceId, teamId: i.teamId });
  if (!rule) return 'no rule matches';
  try {
    const t = await openTicket({
      input: {
        subject: `Follow-up: incident #${i.number} ${i.title}`.slice(0, 300),
        description: [
          `Incident #${i.number} (${i.severity}) opened at ${i.openedAt}.`,
          i.serviceId ? `Service: ${i.serviceId}` : undefined,
          i.teamId ? `Team: ${i.teamId}` : undefined,
          reason ? `Reason: ${reason}` : undefined,
          `Opened by follow-up rule ${rule.id} (${rule.name}).`,
        ]
          .filter(Boolean)
          .join('\n'),
        categoryId: rule.categoryId,
        fields: await prefill(rule, i),
        priority: rule.priority ?? PRIORITY_OF[i.severity],
        queueId: rule.queueId,
        watchers: [],
        links: [{ kind: 'incident', ref: i.id, title: `#${i.number} ${i.title}`.slice(0, 500) }],
      },
      requester: { email: rule.requesterEmail },
      source: 'incident',
      actor: actorOf(i),
      now,
      extras: { followUpOfIncident: i.id },
    });
    logger.info('follow-up ticket opened for incident', {
      incidentId: i.id,
      ticketId: t.id,
      number: t.number,
      rule: rule.id,
    });
    return `opened ticket ${t.number}`;
  } catch (err) {
    if (err instanceof DuplicateMessageError) return 'follow-up already exists';
    // A rule pointing at a category whose required fields an incident cannot fill: retrying cannot help.
    if (err instanceof ValidationError) {
      logger.error('follow-up rule cannot open a valid ticket; fix the rule or its category', {
        rule: rule.id,
        issues: err.issues,
      });
      return 'invalid rule';
    }
    throw err;
  }
}

async function noteResolution(
  i: IncidentSnapshot,
  reason: string | undefined,
  revision: number,
  now: Date,
): Promise<string> {
  const ticketIds = await ticketsOfIncident(i.id);
  const at = Date.parse(i.resolvedAt ?? now.toISOString());
  for (const ticketId of ticketIds) {
    try {
      await addComment(ticketId, {
        input: {
          body: `Incident #${i.number} (${i.title}) was resolved at ${i.resolvedAt ?? now.toISOString()}${reason ? `: ${reason}` : ''}.`,
          visibility: 'internal',
        },
        actor: actorOf(i),
        now,
        source: 'system',
        commentId: deterministicUlid(at, `incident-resolved#${i.id}#${revision}#${ticketId}`),
      });
    } catch (err) {
      if (err instanceof DuplicateMessageError || err instanceof NotFoundError) continue;
      if (err instanceof ConflictError) {
        logger.info('linked ticket is closed; resolution not noted', { ticketId, incidentId: i.id });
        continue;
      }
      throw err;
    }
  }
  return `noted on ${ticketIds.length} ticket(s)`;
}

export const handler = eventHandler(incidentEventDetailSchema, async (event): Promise<string> => {
  const d = event.detail;
  const now = new Date();
  if (event['detail-type'] === INCIDENT_DETAIL_TYPES.opened) return openFollowUp(d.incident, d.reason, now);
  if (event['detail-type'] === INCIDENT_DETAIL_TYPES.severityChanged)
    return openFollowUp(
      d.incident,
      `severity raised to ${d.incident.severity}${d.reason ? ` (${d.reason})` : ''}`,
      now,
    );
  if (event['detail-type'] === INCIDENT_DETAIL_TYPES.resolved)
    return noteResolution(d.incident, d.reason, d.incident.revision, now);
  return 'ignored';
});
