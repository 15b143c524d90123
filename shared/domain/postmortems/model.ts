// Blameless postmortems: the model and the request schemas (docs/postmortems.md). A postmortem
// belongs to one incident (its id is the incident's id); its facts (milestones, pages, alerts,
// notes, status updates, runbook runs, MTTA/MTTR) are generated from the incident's record, and
// people add the analysis: a summary, the impact, a why-tree whose every leaf ends in an action
// item or an explicitly accepted risk, contributing factors, and the action items (tickets).
import * as z from 'zod';

export const POSTMORTEM_STATUSES = ['draft', 'in-review', 'published'] as const;
export const postmortemStatusSchema = z.enum(POSTMORTEM_STATUSES);
export type PostmortemStatus = z.infer<typeof postmortemStatusSchema>;

/** A why-chain is this many levels deep at least and at most (problem → why → … → leaf). */
export const MIN_WHY_LEVELS = 3;
export const MAX_WHY_LEVELS = 7;
export const MAX_WHYS = 100;
export const MAX_ACTION_ITEMS = 50;

const text = (max: number) => z.string().trim().min(1).max(max);
const dateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: 'not a calendar date',
    },
  );

export const actionItemKeySchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40');

export const acceptedRiskSchema = z.object({
  reason: text(2000),
  acceptedBy: text(200).describe('Who accepts the risk (a name or id).'),
});
export type AcceptedRisk = z.infer<typeof acceptedRiskSchema>;

/** One "why" of the tree. Listed flat: a why answers its parent (an earlier why) or, without a
 * parent, the problem itself. A leaf (a why no other why answers) names an action item or an
 * accepted risk; an inner why names neither. */
export const whySchema = z
  .object({
    id: actionItemKeySchema.describe('Unique in the tree; children name it as parent.'),
    parent: actionItemKeySchema.optional().describe('The why this one answers; omitted: it answers the problem.'),
    because: text(2000),
    actionItem: actionItemKeySchema.optional().describe('Leaf only: the key of the action item that removes it.'),
    acceptedRisk: acceptedRiskSchema.optional().describe('Leaf only: the risk is accepted instead of acted on.'),
  })
  .meta({ id: 'PostmortemWhy' });
export type Why = z.infer<typeof whySchema>;

export const whyTreeSchema = z
  .object({
    problem: text(2000).describe('What happened, as the question the first whys answer.'),
    whys: z.array(whySchema).min(1).max(MAX_WHYS),
  })
  .meta({ id: 'PostmortemWhyTree' });
export type WhyTree = z.infer<typeof whyTreeSchema>;

export const ACTION_ITEM_KINDS = ['corrective', 'preventive'] as const;

export const ownerSchema = z.object({
  id: text(200),
  name: text(200).optional(),
  email: z.email().max(254),
});
export type Owner = z.infer<typeof ownerSchema>;

export const actionItemInputSchema = z
  .object({
    key: actionItemKeySchema,
    title: text(300),
    description: z.string().max(10000).optional(),
    kind: z.enum(ACTION_ITEM_KINDS),
    owner: ownerSchema,
    dueDate: dateOnly,
  })
  .meta({ id: 'PostmortemActionItemInput' });
export type ActionItemInput = z.infer<typeof actionItemInputSchema>;

/** The analysis people write: the whole of it is replaced at once (optimistic lock on `version`). */
export const analysisSchema = z.object({
  version: z.number().int().positive().describe('The version you edited; a stale one gets 409.'),
  summary: z.string().max(20000).optional(),
  impact: z.string().max(20000).optional(),
  /** When the impact ended, if no timeline entry says so. */
  mitigatedAt: z.iso.datetime({ offset: true }).optional(),
  whyTree: whyTreeSchema.optional(),
  contributingFactors: z.array(text(2000)).max(50).default([]),
  actionItems: z.array(actionItemInputSchema).max(MAX_ACTION_ITEMS).default([]),
});
export type AnalysisInput = z.infer<typeof analysisSchema>;

export const transitionSchema = z.object({
  version: z.number().int().positive(),
  to: postmortemStatusSchema,
  comment: z.string().max(2000).optional(),
});

/** What the item's ticket says: open, done (resolved or closed), or accepted (resolved as won't fix). */
export type ActionItemState = 'open' | 'done' | 'accepted';

export interface ActionItem extends ActionItemInput {
  ticketId: string;
  ticketNumber: number;
  createdAt: string;
}

export interface PersonRef {
  type: string;
  id: string;
  name?: string;
}

export type MilestoneName = 'detected' | 'acknowledged' | 'mitigated' | 'resolved';
export const MILESTONES: readonly MilestoneName[] = ['detected', 'acknowledged', 'mitigated', 'resolved'];

export interface Milestone {
  name: MilestoneName;
  at: string;
  by?: string;
}

export interface PageFact {
  at: string;
  person: string;
  personId: string;
  channel: string;
  status: string;
  level: number;
  round: number;
}

export interface AlertFact {
  alertId: string;
  summary: string;
  severity: string;
  joinedAt: string;
  resolvedAt?: string;
}

export interface EntryFact {
  at: string;
  by: string;
  kind: string;
  text: string;
}

/** The facts of the incident, generated from its record (regenerated on request while a draft). */
export interface IncidentFacts {
  incidentNumber: number;
  title: string;
  severity: string;
  serviceId?: string;
  teamId?: string;
  milestones: Milestone[];
  paged: PageFact[];
  alerts: AlertFact[];
  notes: EntryFact[];
  statusUpdates: EntryFact[];
  runbookRuns: EntryFact[];
  /** Seconds from detection to opening, opening to the first acknowledgement, and opening to resolution. */
  metrics: { ttdSeconds?: number; mttaSeconds?: number; mttmSeconds?: number; mttrSeconds?: number };
  generatedAt: string;
}

export interface StatusChange {
  from: PostmortemStatus;
  to: PostmortemStatus;
  at: string;
  by: PersonRef;
  comment?: string;
}

export interface Postmortem {
  id: string;
  incidentId: string;
  status: PostmortemStatus;
  /** Required by the policy (the incident's severity), or written by choice. */
  required: boolean;
  facts: IncidentFacts;
  summary?: string;
  impact?: string;
  mitigatedAt?: string;
  whyTree?: WhyTree;
  contributingFactors: string[];
  actionItems: ActionItem[];
  history: StatusChange[];
  createdAt: string;
  createdBy: PersonRef;
  updatedAt: string;
  publishedAt?: string;
  version: number;
}
