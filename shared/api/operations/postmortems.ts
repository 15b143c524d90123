// Operations of the postmortem routes (functions/ops-postmortems; docs/postmortems.md).
import * as z from 'zod';
import {
  analysisSchema,
  postmortemStatusSchema,
  transitionSchema,
  whyTreeSchema,
  ACTION_ITEM_KINDS,
  MILESTONES,
} from '../../domain/postmortems/model';
import { pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const person = z.object({ type: z.string(), id: z.string(), name: z.string().optional() });
const entry = z.object({ at: z.string(), by: z.string(), kind: z.string(), text: z.string() });
const facts = z
  .object({
    incidentNumber: z.number().int(),
    title: z.string(),
    severity: z.string(),
    serviceId: z.string().optional(),
    teamId: z.string().optional(),
    milestones: z.array(z.object({ name: z.enum(MILESTONES), at: z.string(), by: z.string().optional() })),
    paged: z.array(
      z.object({
        at: z.string(),
        person: z.string(),
        personId: z.string(),
        channel: z.string(),
        status: z.string(),
        level: z.number().int(),
        round: z.number().int(),
      }),
    ),
    alerts: z.array(
      z.object({
        alertId: z.string(),
        summary: z.string(),
        severity: z.string(),
        joinedAt: z.string(),
        resolvedAt: z.string().optional(),
      }),
    ),
    notes: z.array(entry),
    statusUpdates: z.array(entry),
    runbookRuns: z.array(entry),
    metrics: z.object({
      ttdSeconds: z.number().optional(),
      mttaSeconds: z.number().optional(),
      mttmSeconds: z.number().optional(),
      mttrSeconds: z.number().optional(),
    }),
    generatedAt: z.string(),
  })
  .meta({
    id: 'PostmortemFacts',
    description:
      'Generated from the incident record (milestones, pages, alerts, notes, status changes, runbook runs, response times).',
  });
const actionItem = z
  .object({
    key: z.string(),
    title: z.string(),
    description: z.string().optional(),
    kind: z.enum(ACTION_ITEM_KINDS),
    owner: z.object({ id: z.string(), name: z.string().optional(), email: z.string() }),
    dueDate: z.string(),
    ticketId: z.string(),
    ticketNumber: z.number().int(),
    createdAt: z.string(),
    state: z.enum(['open', 'done', 'accepted']).describe('From the ticket: resolved as wont-fix is accepted.'),
    overdue: z.boolean(),
    ticketStatus: z.string().optional(),
  })
  .meta({ id: 'PostmortemActionItem' });
const postmortem = z
  .object({
    id: z.string().describe('The incident id'),
    incidentId: z.string(),
    status: postmortemStatusSchema,
    required: z.boolean(),
    complete: z.boolean().describe('Published, and every action item done or accepted.'),
    openActionItems: z.number().int(),
    facts,
    summary: z.string().optional(),
    impact: z.string().optional(),
    mitigatedAt: z.string().optional(),
    whyTree: whyTreeSchema.optional(),
    contributingFactors: z.array(z.string()),
    actionItems: z.array(actionItem),
    history: z.array(
      z.object({ from: z.string(), to: z.string(), at: z.string(), by: person, comment: z.string().optional() }),
    ),
    createdAt: z.string(),
    createdBy: person,
    updatedAt: z.string(),
    publishedAt: z.string().optional(),
    version: z.number().int(),
  })
  .meta({ id: 'Postmortem' });
const summary = z.object({
  id: z.string(),
  incidentNumber: z.number().int(),
  title: z.string(),
  severity: z.string(),
  status: postmortemStatusSchema,
  required: z.boolean(),
  actionItems: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
const overdue = z.object({
  postmortemId: z.string(),
  incidentNumber: z.number().int(),
  key: z.string(),
  title: z.string(),
  owner: z.object({ id: z.string(), name: z.string().optional(), email: z.string() }),
  dueDate: z.string(),
  daysOverdue: z.number().int(),
  ticketId: z.string(),
  ticketNumber: z.number().int(),
  ticketStatus: z.string().optional(),
});

const P = 'Postmortems';
export const getPostmortemQuerySchema = z.object({
  format: z.enum(['json', 'markdown']).optional().describe('Or send Accept: text/markdown.'),
});
export const listPostmortemsQuerySchema = pageQuerySchema.extend({ status: postmortemStatusSchema.default('draft') });

/** functions/ops-postmortems */
export const postmortemOperations = [
  {
    method: 'post',
    path: '/incidents/{id}/postmortem',
    summary: 'Start the postmortem of an incident: a draft generated from its record',
    tag: P,
    auth: 'jwt',
    role: 'responder',
    responses: { 201: { description: 'The draft', schema: postmortem }, ...errors(400, 401, 403, 404, 409) },
  },
  {
    method: 'get',
    path: '/postmortems',
    summary: 'List postmortems in one status, newest first',
    tag: P,
    auth: 'jwt',
    role: 'viewer',
    query: listPostmortemsQuerySchema,
    responses: { 200: { description: 'A page', schema: page(summary) }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/postmortem-action-items/overdue',
    summary: 'Action items past their due date whose ticket is still open',
    tag: P,
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: { description: 'Most overdue first', schema: z.object({ asOf: z.string(), items: z.array(overdue) }) },
      ...errors(401, 403),
    },
  },
  {
    method: 'get',
    path: '/postmortems/{id}',
    summary: 'A postmortem (JSON; Markdown with Accept: text/markdown or format=markdown)',
    tag: P,
    auth: 'jwt',
    role: 'viewer',
    query: getPostmortemQuerySchema,
    responses: {
      200: { description: 'The postmortem (application/json or text/markdown)', schema: postmortem },
      ...errors(400, 401, 403, 404),
    },
  },
  {
    method: 'put',
    path: '/postmortems/{id}/analysis',
    summary: 'Replace the analysis: summary, impact, why-tree, contributing factors, action items (tickets)',
    tag: P,
    auth: 'jwt',
    role: 'responder',
    body: analysisSchema,
    responses: {
      200: { description: 'The postmortem', schema: postmortem },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'post',
    path: '/postmortems/{id}/status',
    summary: 'Move the postmortem: draft → in-review → published (or back to draft from review)',
    tag: P,
    auth: 'jwt',
    role: 'responder',
    body: transitionSchema,
    responses: {
      200: { description: 'The postmortem', schema: postmortem },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'post',
    path: '/postmortems/{id}/refresh',
    summary: "Generate the facts again from the incident's record (draft or in review)",
    tag: P,
    auth: 'jwt',
    role: 'responder',
    body: z.object({ version: z.number().int().positive() }),
    responses: {
      200: { description: 'The postmortem', schema: postmortem },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
] as const satisfies readonly Operation[];
