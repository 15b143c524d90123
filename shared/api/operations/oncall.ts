// Operations of the on-call routes (functions/ops-oncall and
// functions/reports-response; functions/act's are in ./act), from the same zod schemas the handlers validate with.
import * as z from 'zod';
import { responseQuerySchema } from '../../domain/oncall/metrics';
import {
  contactMethodSchema,
  createUserSchema,
  notificationRuleSchema,
  teamOncallSchema,
  updateUserSchema,
} from '../../domain/oncall/people';
import { createPolicySchema, levelSchema, updatePolicySchema } from '../../domain/oncall/policy';
import {
  createScheduleSchema,
  layerSchema,
  newOverrideSchema,
  onCallQuerySchema,
  overrideSchema,
  shiftsQuerySchema,
  updateScheduleSchema,
} from '../../domain/oncall/schedule';
import { createSubscriptionSchema, subscriberSchema } from '../../domain/oncall/stakeholders';
import { noQuerySchema, pageQuerySchema } from '../../http/schemas';
import type { Role } from '../../http/auth';
import { errors, page, type Operation } from '../operation';

const meta = { version: z.number().int(), createdAt: z.string(), updatedAt: z.string() };
const user = z
  .object({
    id: z.string(),
    name: z.string(),
    timeZone: z.string().optional(),
    contactMethods: z.array(contactMethodSchema),
    notificationRules: z.array(notificationRuleSchema),
    ...meta,
  })
  .meta({ id: 'OncallUser' });
const teamOncall = z
  .object({ id: z.string(), members: z.array(z.string()), escalationPolicyId: z.string().optional(), ...meta })
  .meta({ id: 'TeamOncall' });
const schedule = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    timeZone: z.string(),
    layers: z.array(layerSchema),
    overrides: z.array(overrideSchema),
    ...meta,
  })
  .meta({ id: 'Schedule' });
const shift = z
  .object({
    userId: z.string(),
    userName: z.string().optional(),
    start: z.string(),
    end: z.string(),
    startLocal: z.string().describe('start in the schedule zone'),
    endLocal: z.string(),
    layerId: z.string().optional(),
    overrideId: z.string().optional(),
  })
  .meta({ id: 'Shift' });
const policy = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    levels: z.array(levelSchema),
    repeat: z.number().int(),
    ackTimeoutMinutes: z.number().int().optional(),
    ...meta,
  })
  .meta({ id: 'EscalationPolicy' });
const subscription = z
  .object({
    id: z.string(),
    serviceId: z.string(),
    name: z.string().optional(),
    subscriber: subscriberSchema,
    events: z.array(z.string()),
    createdAt: z.string(),
  })
  .meta({ id: 'StatusSubscription' });
const step = { round: z.number().int(), level: z.number().int() };
const pageAttempt = z
  .object({
    key: z.string(),
    epoch: z.number().int(),
    ...step,
    userId: z.string(),
    userName: z.string(),
    channel: z.enum(['sms', 'email', 'webhook']),
    contactMethodId: z.string(),
    address: z.string(),
    status: z.enum(['claimed', 'sent', 'failed', 'cancelled', 'abandoned']),
    attempts: z.number().int(),
    claimedAt: z.string(),
    sentAt: z.string().optional(),
    lastError: z.string().optional(),
    nextRetryAt: z.string().optional(),
  })
  .meta({ id: 'PageAttempt' });
const escalation = z.object({
  epoch: z.number().int(),
  policyId: z.string().optional(),
  status: z.enum(['active', 'exhausted', 'no-policy']),
  next: z.object({ ...step, dueAt: z.string() }).optional(),
  last: z.object({ ...step, at: z.string(), paged: z.number().int() }).optional(),
  ackedAt: z.string().optional(),
  startedAt: z.string(),
});
const stat = z.object({
  count: z.number().int(),
  meanSeconds: z.number().optional(),
  p90Seconds: z.number().optional(),
});
const responseGroup = z.object({
  key: z.string(),
  incidents: z.number().int(),
  acknowledged: z.number().int(),
  resolved: z.number().int(),
  timeToDetect: stat,
  timeToAcknowledge: stat,
  timeToResolve: stat,
  acknowledgedWithinTarget: z.object({ count: z.number().int(), ratio: z.number().optional() }),
});

type Extra = Omit<Partial<Operation>, 'method' | 'path' | 'role'> & Pick<Operation, 'responses'>;
type OncallOperation<M, P, R, E> = { method: M; path: P; summary: string; tag: 'On-call'; auth: 'jwt'; role: R } & E;
const op = <M extends Operation['method'], P extends string, R extends Role, E extends Extra>(
  method: M,
  path: P,
  summary: string,
  role: R,
  extra: E,
): OncallOperation<M, P, R, E> => ({
  method,
  path,
  summary,
  tag: 'On-call',
  auth: 'jwt',
  role,
  ...extra,
});
const crud = <const P extends string, C extends z.ZodType, U extends z.ZodType>(
  path: P,
  label: string,
  create: C,
  update: U,
  item: z.ZodType,
  createdAlso: Array<404 | 409> = [409],
) =>
  [
    op('post', path, `Create ${label}`, 'admin', {
      body: create,
      responses: { 201: { description: 'Created', schema: item }, ...errors(400, 401, 403, 422, ...createdAlso) },
    }),
    op('get', path, `List ${label}s`, 'viewer', {
      query: pageQuerySchema,
      responses: { 200: { description: 'A page', schema: page(item) }, ...errors(401, 403, 422) },
    }),
    op('get', `${path}/{id}` as `${P}/{id}`, `Get ${label}`, 'viewer', {
      responses: { 200: { description: `The ${label}`, schema: item }, ...errors(401, 403, 404) },
    }),
    op('patch', `${path}/{id}` as `${P}/{id}`, `Change ${label} (optimistic lock on version)`, 'admin', {
      body: update,
      responses: { 200: { description: 'Changed', schema: item }, ...errors(400, 401, 403, 404, 409, 422) },
    }),
    op('delete', `${path}/{id}` as `${P}/{id}`, `Delete ${label} nothing refers to`, 'admin', {
      responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 422) },
    }),
  ] as const;

/** functions/ops-oncall */
export const oncallOperations = [
  ...crud('/users', 'user', createUserSchema, updateUserSchema, user),
  op('get', '/teams/{id}/oncall', "A team's on-call members and default escalation policy", 'viewer', {
    responses: {
      200: { description: 'The configuration (version 0: none yet)', schema: teamOncall },
      ...errors(401, 403, 404),
    },
  }),
  op('put', '/teams/{id}/oncall', "Set a team's on-call members and default escalation policy", 'admin', {
    body: teamOncallSchema,
    responses: {
      200: { description: 'Changed', schema: teamOncall },
      201: { description: 'Created', schema: teamOncall },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  }),
  ...crud('/schedules', 'schedule', createScheduleSchema, updateScheduleSchema, schedule),
  op('get', '/schedules/{id}/oncall', 'Who is on call at a time (after layers and overrides)', 'viewer', {
    query: onCallQuerySchema,
    responses: {
      200: {
        description: 'The person and their shift, or null',
        schema: z.object({ scheduleId: z.string(), timeZone: z.string(), at: z.string(), onCall: shift.nullable() }),
      },
      ...errors(401, 403, 404, 422),
    },
  }),
  op('get', '/schedules/{id}/shifts', 'The final shifts over a range (at most 92 days)', 'viewer', {
    query: shiftsQuerySchema,
    responses: {
      200: {
        description: 'Shifts in time order',
        schema: z.object({
          scheduleId: z.string(),
          timeZone: z.string(),
          from: z.string(),
          to: z.string(),
          shifts: z.array(shift),
        }),
      },
      ...errors(401, 403, 404, 422),
    },
  }),
  op('post', '/schedules/{id}/overrides', 'Add an override (someone covers a time range)', 'responder', {
    body: newOverrideSchema,
    responses: {
      201: { description: 'Added', schema: z.object({ override: overrideSchema, schedule }) },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  }),
  op('delete', '/schedules/{id}/overrides/{overrideId}', 'Remove an override', 'responder', {
    responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404, 409) },
  }),
  ...crud('/escalation-policies', 'escalation policy', createPolicySchema, updatePolicySchema, policy),
  op('post', '/services/{id}/subscriptions', "Subscribe a person or system to a service's status updates", 'admin', {
    body: createSubscriptionSchema,
    responses: { 201: { description: 'Subscribed', schema: subscription }, ...errors(400, 401, 403, 404, 409, 422) },
  }),
  op('get', '/services/{id}/subscriptions', "A service's status subscriptions", 'viewer', {
    query: noQuerySchema,
    responses: {
      200: { description: 'All of them', schema: z.object({ items: z.array(subscription) }) },
      ...errors(401, 403, 404),
    },
  }),
  op('delete', '/services/{id}/subscriptions/{subscriptionId}', 'Unsubscribe', 'admin', {
    responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404) },
  }),
  op('get', '/incidents/{id}/pages', "An incident's escalation state and every page attempt", 'viewer', {
    query: noQuerySchema,
    responses: {
      200: {
        description: 'Escalation and page log',
        schema: z.object({ escalation: escalation.nullable(), pages: z.array(pageAttempt) }),
      },
      ...errors(401, 403, 404),
    },
  }),
] as const satisfies readonly Operation[];

/** functions/reports-response */
export const responseReportOperations = [
  {
    method: 'get',
    path: '/reports/response',
    summary:
      'Response metrics: time to detect, acknowledge, resolve (mean, p90) and acknowledged within target, grouped',
    tag: 'Reports',
    auth: 'jwt',
    role: 'viewer',
    query: responseQuerySchema,
    responses: {
      200: {
        description: 'The report',
        schema: z.object({
          from: z.string(),
          to: z.string(),
          groupBy: z.string(),
          truncated: z.boolean(),
          ackTargetMinutes: z.record(z.string(), z.number()),
          total: responseGroup,
          groups: z.array(responseGroup),
        }),
      },
      ...errors(401, 403, 422),
    },
  },
] as const satisfies readonly Operation[];
