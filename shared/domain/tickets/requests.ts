// Request schemas of the ticket routes that are not ticket commands (lists, reports, workflow
// tasks), shared by the handlers and the OpenAPI document.
import * as z from 'zod';
import { GROUP_BY } from './reports';
import { prioritySchema } from './sla';
import { linkSchema, ticketStatusSchema } from './ticket';
import { cursorSchema, limitSchema } from '../page-query';

export const listTicketsQuerySchema = z.object({
  status: ticketStatusSchema.optional(),
  queue: z.string().min(1).max(64).optional(),
  assignee: z.string().min(1).max(128).optional(),
  category: z.string().min(1).max(64).optional(),
  priority: prioritySchema.optional(),
  /** Only open tickets (new, open, pending) of `queue`, oldest first. */
  open: z.enum(['true', 'false']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const ticketPageQuerySchema = z.object({ limit: limitSchema, cursor: cursorSchema });

export const ticketReportQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  groupBy: z.enum(GROUP_BY).default('category'),
  format: z.enum(['json', 'csv']).optional(),
});

export const workflowTaskSchema = z.object({
  /** The token Step Functions waits on ($$.Task.Token). */
  taskToken: z.string().min(1).max(8192),
  categoryId: z.string().min(1).max(64).default('provisioning-task'),
  subject: z.string().trim().min(1).max(300),
  description: z
    .string()
    .max(64 * 1024)
    .default(''),
  fields: z.record(z.string(), z.unknown()).default({}),
  requester: z
    .object({
      email: z
        .email()
        .max(254)
        .transform((e) => e.toLowerCase()),
      name: z.string().max(200).optional(),
    })
    .optional(),
  priority: prioritySchema.optional(),
  queueId: z.string().min(1).max(64).optional(),
  executionArn: z.string().max(2048).optional(),
  stateName: z.string().max(200).optional(),
  /** Field keys whose values are returned to the workflow (default: every field). */
  outputFields: z.array(z.string().min(1).max(64)).max(100).optional(),
  links: z.array(linkSchema).max(20).default([]),
});
export type WorkflowTaskInput = z.infer<typeof workflowTaskSchema>;

export const memberAvailabilitySchema = z.object({ available: z.boolean() });
