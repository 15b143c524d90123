// Request schemas shared by list endpoints.
import * as z from 'zod';
import { cursorSchema, limitSchema, pageQuerySchema } from '../domain/page-query';

export { cursorSchema, limitSchema, pageQuerySchema };
/** Routes that take no query parameters: any parameter is a 400 naming it. */
export const noQuerySchema = z.object({});

/** What became of an alert: `pending` until the incident engine placed it. */
export const alertDispositionKinds = ['incident', 'silenced', 'inhibited', 'correlated', 'pending'] as const;

export const listAlertsQuerySchema = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  disposition: z
    .enum(alertDispositionKinds)
    .optional()
    .describe('What became of the alert; a page may then hold fewer than limit items'),
  integration: z.string().min(1).max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const incidentQuerySchema = z.object({
  status: z.enum(['triggered', 'acknowledged', 'resolved']).optional(),
  team: z.string().min(1).max(64).optional(),
  service: z.string().min(1).max(64).optional(),
  severity: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

const version = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('The incident revision you acted on; a stale one gets 409.');
export const ackBodySchema = z.object({ version }).strict();
export const resolveBodySchema = z.object({ note: z.string().trim().min(1).max(4000).optional(), version }).strict();
export const reassignBodySchema = z
  .object({ teamId: z.string().min(1).max(64), reason: z.string().max(2000).optional(), version })
  .strict();
export const severityBodySchema = z
  .object({ severity: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']), reason: z.string().max(2000).optional(), version })
  .strict();
export const mergeBodySchema = z
  .object({ into: z.string().min(1).max(64), reason: z.string().max(2000).optional(), version })
  .strict();
const noteText = z.string().trim().min(1).max(4000);
/** `note`, as in /resolve; `text` is accepted as an alias (its name before 2026-11). */
export const noteBodySchema = z
  .object({ note: noteText.optional(), text: noteText.optional().describe('Alias of note; give one of them.') })
  .strict()
  .superRefine((b, ctx) => {
    if (b.note === undefined && b.text === undefined)
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'required' });
    if (b.note !== undefined && b.text !== undefined)
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'text is an alias of note: give one of them' });
  });
