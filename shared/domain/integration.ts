// Integrations: one per monitor that sends to Nocturne. The token is a secret shown once;
// only its SHA-256 is stored, and webhooks compare hashes in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { alertSourceSchema } from './alert';

export const integrationIdSchema = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter or digit');

const topicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/, 'an SNS topic ARN');

export const createIntegrationSchema = z.object({
  id: integrationIdSchema.optional(),
  type: alertSourceSchema,
  name: z.string().trim().min(1).max(200),
  service: z.string().trim().min(1).max(255).optional(),
  enabled: z.boolean().default(true),
  /** CloudWatch via SNS: topics whose subscription this integration may confirm. */
  allowedTopicArns: z.array(topicArn).max(50).default([]),
});
export type CreateIntegration = z.infer<typeof createIntegrationSchema>;

export const updateIntegrationSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    service: z.string().trim().min(1).max(255).nullable().optional(),
    enabled: z.boolean().optional(),
    allowedTopicArns: z.array(topicArn).max(50).optional(),
    /** Optimistic lock: when given, the update applies only to this version. */
    version: z.number().int().positive().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).some((k) => k !== 'version'), {
    message: 'Nothing to change: give at least one field.',
  });
export type UpdateIntegration = z.infer<typeof updateIntegrationSchema>;

export interface Integration {
  id: string;
  type: z.infer<typeof alertSourceSchema>;
  name: string;
  service?: string;
  enabled: boolean;
  allowedTopicArns: string[];
  tokenHash: string;
  /** Last four characters, so people can tell tokens apart without seeing them. */
  tokenHint: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type PublicIntegration = Omit<Integration, 'tokenHash'> & { webhookPath: string };

export function publicIntegration(i: Integration): PublicIntegration {
  const { tokenHash: _omit, ...rest } = i;
  return { ...rest, webhookPath: i.type === 'pagerduty' ? '/v2/enqueue' : `/hooks/${i.id}` };
}

/** 128 random bits as 32 hex characters: the shape PagerDuty routing keys have. */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function tokenHint(token: string): string {
  return token.slice(-4);
}
