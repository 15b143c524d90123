// Operations of the runbook routes (functions/ops-runbooks; docs/runbooks.md).
import * as z from 'zod';
import { runbookSchema } from '../../domain/runbooks/definition';
import { noQuerySchema } from '../../http/schemas';
import { errors, type Operation } from '../operation';

const runbook = runbookSchema
  .extend({
    id: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'Runbook' });
const stepRecord = z.object({
  index: z.number().int(),
  id: z.string(),
  kind: z.string(),
  status: z.enum(['succeeded', 'failed', 'dry-run']),
  attempts: z.number().int(),
  output: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
});
const run = z
  .object({
    id: z.string(),
    runbookId: z.string(),
    runbookVersion: z.number().int(),
    runbookName: z.string(),
    incidentId: z.string(),
    incidentNumber: z.number().int(),
    trigger: z.object({ kind: z.enum(['manual', 'rule']), by: z.string(), name: z.string().optional() }),
    dryRun: z.boolean(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    status: z.enum(['running', 'waiting-approval', 'succeeded', 'failed']),
    steps: z.array(stepRecord),
    approval: z.object({ index: z.number().int(), stepId: z.string(), requestedAt: z.string() }).optional(),
    executionArn: z.string().optional(),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    report: z.string().optional().describe('The resolution report: trigger → steps → outcome → incident state.'),
    audit: z
      .array(
        z.object({
          at: z.string(),
          action: z.string(),
          by: z.string(),
          via: z.enum(['api', 'link']).optional().describe('How an approval or rejection was given'),
          detail: z.string(),
        }),
      )
      .optional()
      .describe('Immutable: who started, approved or rejected (GET of one run only).'),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'RunbookRun' });

export const putRunbookSchema = runbookSchema.extend({
  version: z.number().int().positive().optional().describe('The version you edited; omit to create.'),
});
export const startRunSchema = z.object({
  parameters: z.record(z.string(), z.unknown()).default({}),
  dryRun: z.boolean().default(false),
});
export const approvalSchema = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(1000).optional(),
});

const R = 'Runbooks';
const html = z.string().meta({ description: 'text/html page' });
const linkErrors = {
  400: errors(400)[400]!,
  403: {
    ...errors(403)[403]!,
    description: 'Signature does not match, or this person may not approve (the requester)',
  },
  404: errors(404)[404]!,
  409: { ...errors(409)[409]!, description: 'The run no longer waits on this step (answered, timed out or ended)' },
  410: { ...errors(404)[404]!, description: 'Link expired (with the approval step)' },
};

/** functions/ops-runbooks */
export const runbookOperations = [
  {
    method: 'put',
    path: '/runbooks/{id}',
    summary: 'Create or replace a runbook (a new version each time; runs keep the version they started with)',
    tag: R,
    auth: 'jwt',
    role: 'admin',
    body: putRunbookSchema,
    responses: {
      201: { description: 'Created', schema: runbook },
      200: { description: 'Replaced', schema: runbook },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/runbooks',
    summary: 'List runbooks (current versions)',
    tag: R,
    auth: 'jwt',
    role: 'viewer',
    query: noQuerySchema,
    responses: { 200: { description: 'All', schema: z.object({ items: z.array(runbook) }) }, ...errors(401, 403) },
  },
  {
    method: 'get',
    path: '/runbooks/{id}',
    summary: 'A runbook (current version, or ?version=N)',
    tag: R,
    auth: 'jwt',
    role: 'viewer',
    query: z.object({ version: z.coerce.number().int().positive().optional() }),
    responses: { 200: { description: 'The runbook', schema: runbook }, ...errors(400, 401, 403, 404) },
  },
  {
    method: 'post',
    path: '/incidents/{id}/runbooks/{runbookId}/runs',
    summary: 'Run a runbook on an incident (dryRun: describe every step, act on none)',
    tag: R,
    auth: 'jwt',
    role: 'responder',
    body: startRunSchema,
    responses: { 201: { description: 'Started', schema: run }, ...errors(400, 401, 403, 404, 422) },
  },
  {
    method: 'get',
    path: '/incidents/{id}/runbook-runs',
    summary: "An incident's runbook runs",
    tag: R,
    auth: 'jwt',
    role: 'viewer',
    query: noQuerySchema,
    responses: { 200: { description: 'Oldest first', schema: z.object({ items: z.array(run) }) }, ...errors(401, 403) },
  },
  {
    method: 'get',
    path: '/runbook-runs/{id}',
    summary: 'A run: its steps, pending approval, resolution report and audit trail',
    tag: R,
    auth: 'jwt',
    role: 'viewer',
    query: noQuerySchema,
    responses: { 200: { description: 'The run', schema: run }, ...errors(401, 403, 404) },
  },
  {
    method: 'post',
    path: '/runbook-runs/{id}/approval',
    summary: 'Approve or reject the step the run waits on (not by the person who started it)',
    tag: R,
    auth: 'jwt',
    role: 'responder',
    body: approvalSchema,
    responses: { 200: { description: 'Answered', schema: run }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'get',
    path: '/runbook-approvals/{token}',
    summary: 'Approval link: a confirmation page for the answer the signed token gives (changes nothing)',
    tag: R,
    auth: 'public',
    responses: { 200: { description: 'Confirmation page (text/html)', schema: html }, ...linkErrors },
  },
  {
    method: 'post',
    path: '/runbook-approvals/{token}',
    summary:
      'Approval link: approve or reject the step the run waits on, as the person the link was sent to (no login; the token is the credential)',
    tag: R,
    auth: 'public',
    responses: {
      200: {
        description: 'Answered (JSON, or a small HTML page when the client accepts text/html)',
        schema: z.object({
          decision: z.enum(['approve', 'reject']),
          run: z.object({ id: z.string(), status: z.string(), incidentId: z.string(), stepId: z.string() }),
        }),
      },
      ...linkErrors,
    },
  },
] as const satisfies readonly Operation[];
