// Demo ticketing configuration for `npm start` (and the end-to-end tests and the benchmark): an
// office calendar with holidays, SLA policies, queues (round-robin and manual, with leads), the
// operator's categories with their custom fields, an incident follow-up rule and two requesters.
// Seeding is create-if-missing: restarts keep whatever was changed since.
import type { BusinessCalendar } from '../../../shared/domain/tickets/business-time';
import { ALWAYS_OPEN, WEEKDAYS } from '../../../shared/domain/tickets/business-time';
import type { Category, IncidentRule, Queue, Requester } from '../../../shared/domain/tickets/config';
import type { SlaPolicy } from '../../../shared/domain/tickets/sla';
import { ensureConfig } from '../../../shared/store/ticket-config';

const office = (start: string, end: string) =>
  Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, [{ start, end }]]));

export const demoCalendars: BusinessCalendar[] = [
  {
    id: 'office-berlin',
    name: 'Berlin office hours',
    timeZone: 'Europe/Berlin',
    workingHours: office('08:00', '18:00'),
    holidays: [
      '2026-12-24',
      '2026-12-25',
      '2026-12-26',
      '2026-12-31',
      '2027-01-01',
      '2027-03-26',
      '2027-03-29',
      '2027-05-01',
      '2027-05-06',
      '2027-05-17',
      '2027-10-03',
      '2027-12-24',
      '2027-12-25',
      '2027-12-26',
    ],
  },
  { ...ALWAYS_OPEN, id: 'around-the-clock', name: 'Around the clock (UTC)' },
];

export const demoSlaPolicies: SlaPolicy[] = [
  {
    id: 'standard',
    name: 'Standard (office hours)',
    calendarId: 'office-berlin',
    warnAtPercent: 80,
    targets: {
      P1: { firstResponseMinutes: 30, resolutionMinutes: 240 },
      P2: { firstResponseMinutes: 60, resolutionMinutes: 480 },
      P3: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
      P4: { firstResponseMinutes: 480, resolutionMinutes: 2880 },
    },
    onBreach: { escalateToLead: true, raisePriority: true },
  },
  {
    id: 'critical',
    name: 'Critical (24x7)',
    calendarId: 'around-the-clock',
    warnAtPercent: 80,
    targets: {
      P1: { firstResponseMinutes: 15, resolutionMinutes: 120 },
      P2: { firstResponseMinutes: 30, resolutionMinutes: 240 },
      P3: { firstResponseMinutes: 60, resolutionMinutes: 480 },
      P4: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
    },
    onBreach: { escalateToLead: true, raisePriority: false },
  },
];

const member = (id: string, name: string, email: string, skills: string[] = []) => ({
  id,
  name,
  email,
  skills,
  available: true,
});

export const demoQueues: Queue[] = [
  {
    id: 'support-l1',
    name: 'Support L1',
    assignmentMode: 'round-robin',
    members: [
      member('demo-responder', 'Demo Responder', 'responder@nocturne.local', ['mobile', 'billing']),
      member('ana', 'Ana Alves', 'ana@nocturne.local', ['mobile']),
      member('ben', 'Ben Baker', 'ben@nocturne.local', ['fixed', 'billing']),
    ],
    lead: { id: 'lea', name: 'Lea Lead', email: 'lea@nocturne.local' },
  },
  {
    id: 'support-l2',
    name: 'Support L2',
    assignmentMode: 'manual',
    members: [
      member('chen', 'Chen Cole', 'chen@nocturne.local', ['mobile', 'core-network']),
      member('dana', 'Dana Diaz', 'dana@nocturne.local', ['billing']),
    ],
    lead: { id: 'lea', name: 'Lea Lead', email: 'lea@nocturne.local' },
  },
  {
    id: 'billing',
    name: 'Billing',
    email: 'billing-team@nocturne.local',
    assignmentMode: 'round-robin',
    members: [
      member('dana', 'Dana Diaz', 'dana@nocturne.local', ['billing']),
      member('eli', 'Eli Evans', 'eli@nocturne.local', ['billing']),
    ],
    lead: { id: 'finn', name: 'Finn Fox', email: 'finn@nocturne.local' },
  },
  {
    id: 'provisioning',
    name: 'Provisioning',
    assignmentMode: 'round-robin',
    members: [
      member('gus', 'Gus Gray', 'gus@nocturne.local', ['provisioning']),
      member('demo-responder', 'Demo Responder', 'responder@nocturne.local', ['provisioning']),
    ],
    lead: { id: 'lea', name: 'Lea Lead', email: 'lea@nocturne.local' },
  },
  {
    id: 'noc',
    name: 'NOC',
    email: 'noc@nocturne.local',
    assignmentMode: 'manual',
    members: [
      member('demo-responder', 'Demo Responder', 'responder@nocturne.local', ['core-network']),
      member('chen', 'Chen Cole', 'chen@nocturne.local', ['core-network']),
    ],
    lead: { id: 'hana', name: 'Hana Hill', email: 'hana@nocturne.local' },
  },
];

const category = (c: Partial<Category> & Pick<Category, 'id' | 'name'>): Category => ({
  fields: [],
  defaultPriority: 'P3',
  requiredSkills: [],
  reopenWindowHours: 168,
  notify: {},
  requesterVisible: true,
  emailAddresses: [],
  ...c,
});

export const demoCategories: Category[] = [
  category({
    id: 'general-support',
    name: 'General support',
    defaultQueueId: 'support-l1',
    slaPolicyId: 'standard',
    emailAddresses: ['support@nocturne.local'],
  }),
  category({
    id: 'technical-support-l1',
    name: 'Technical support L1',
    defaultQueueId: 'support-l1',
    slaPolicyId: 'standard',
    emailAddresses: ['tech@nocturne.local'],
    fields: [
      { key: 'msisdn', label: 'MSISDN', type: 'text', required: false, maxLength: 20, pattern: '^\\+?[0-9 ]{6,20}$' },
      { key: 'device', label: 'Device', type: 'text', required: false, maxLength: 200 },
    ],
  }),
  category({
    id: 'technical-support-l2',
    name: 'Technical support L2',
    defaultQueueId: 'support-l2',
    slaPolicyId: 'standard',
    requesterVisible: false,
    fields: [{ key: 'msisdn', label: 'MSISDN', type: 'text', required: true, maxLength: 20 }],
  }),
  category({
    id: 'billing',
    name: 'Billing',
    defaultQueueId: 'billing',
    slaPolicyId: 'standard',
    requiredSkills: ['billing'],
    emailAddresses: ['billing@nocturne.local'],
    fields: [
      { key: 'invoiceNumber', label: 'Invoice number', type: 'text', required: false, maxLength: 40 },
      { key: 'disputedAmount', label: 'Disputed amount', type: 'number', required: false, min: 0, integer: false },
    ],
  }),
  category({
    id: 'order-setup',
    name: 'Order setup and verification',
    defaultQueueId: 'provisioning',
    slaPolicyId: 'standard',
    fields: [
      { key: 'orderId', label: 'Order id', type: 'text', required: true, maxLength: 40 },
      {
        key: 'product',
        label: 'Product',
        type: 'enum',
        required: true,
        options: ['mobile-postpaid', 'mobile-prepaid', 'fibre', 'iot'],
      },
      { key: 'activationDate', label: 'Activation date', type: 'date', required: false },
    ],
  }),
  category({
    id: 'presales',
    name: 'Presales',
    defaultQueueId: 'support-l2',
    defaultPriority: 'P4',
    slaPolicyId: 'standard',
  }),
  category({
    id: 'server-administration',
    name: 'Server administration',
    defaultQueueId: 'noc',
    slaPolicyId: 'critical',
    requesterVisible: false,
    fields: [
      { key: 'hostname', label: 'Hostname', type: 'text', required: true, maxLength: 253 },
      {
        key: 'change',
        label: 'Change type',
        type: 'enum',
        required: false,
        options: ['patch', 'restart', 'capacity', 'access'],
      },
    ],
  }),
  category({
    id: 'provisioning-task',
    name: 'Provisioning task',
    defaultQueueId: 'provisioning',
    slaPolicyId: 'standard',
    requesterVisible: false,
    notify: { created: ['queue'], statusChanged: ['watchers'] },
    fields: [
      { key: 'accountId', label: 'Customer account', type: 'text', required: false, maxLength: 64 },
      { key: 'simIccid', label: 'SIM ICCID', type: 'text', required: false, maxLength: 22 },
      { key: 'approved', label: 'Approved', type: 'boolean', required: false },
    ],
  }),
  category({
    id: 'incident-follow-up',
    name: 'Incident follow-up',
    defaultQueueId: 'noc',
    slaPolicyId: 'standard',
    defaultPriority: 'P2',
    requesterVisible: false,
    notify: { created: ['queue'] },
    fields: [
      { key: 'incidentNumber', label: 'Incident number', type: 'number', required: false, integer: true, min: 1 },
      { key: 'severity', label: 'Severity', type: 'enum', required: false, options: ['P1', 'P2', 'P3', 'P4', 'P5'] },
      { key: 'serviceId', label: 'Service', type: 'text', required: false, maxLength: 128 },
      { key: 'rootCause', label: 'Root cause', type: 'text', required: false, maxLength: 4000 },
    ],
  }),
];

export const demoIncidentRules: IncidentRule[] = [
  {
    id: 'major-incidents',
    name: 'Post-incident review for P1 and P2',
    enabled: true,
    order: 10,
    match: { severities: ['P1', 'P2'] },
    categoryId: 'incident-follow-up',
    queueId: 'noc',
    requesterEmail: 'noc@nocturne.local',
  },
];

export const demoRequesters: Requester[] = [
  {
    email: 'requester@nocturne.local',
    name: 'Demo Requester',
    accountId: 'acct-1001',
    sub: 'demo-requester',
    blocked: false,
  },
  { email: 'carla@customer.example', name: 'Carla Customer', accountId: 'acct-1002', blocked: false },
];

/** Create whatever of the demo configuration is missing (order matters for references). */
export async function seedTicketDemo(now: string): Promise<void> {
  for (const c of demoCalendars) await ensureConfig('calendar', c, now);
  for (const p of demoSlaPolicies) await ensureConfig('sla-policy', p, now);
  for (const q of demoQueues) await ensureConfig('queue', q, now);
  for (const c of demoCategories) await ensureConfig('category', c, now);
  for (const r of demoIncidentRules) await ensureConfig('incident-rule', r, now);
  for (const r of demoRequesters) await ensureConfig('requester', r, now);
}
