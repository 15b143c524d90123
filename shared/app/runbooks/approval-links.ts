// The signed approve/reject links of a runbook approval (docs/runbooks.md), as the functions build
// them: the page links' secrets and base URL (shared/app/oncall/page-links), one pair per person the
// request goes to, bound to the run, the step and that person, expiring with the step's timeout.
import { createHash } from 'node:crypto';
import { signApprovalLink, type ApprovalDecision } from '../../domain/runbooks/approval-links';
import type { RunbookStep } from '../../domain/runbooks/definition';
import { usersById } from '../../store/oncall';
import { pagesOf } from '../../store/oncall-pages';
import type { RunbookRun } from '../../store/runbooks';
import { actLinkSecrets, ActLinkSecretMissingError, publicBaseUrl } from '../oncall/page-links';

export interface ApprovalRecipient {
  id: string;
  name: string;
  /** Absent when no link secret is configured (a deployment mistake): the API route still works. */
  links?: Record<ApprovalDecision, string>;
}

/**
 * Who is asked: the step's approvers or, when it lists none ("any responder"), the people paged for
 * the incident; never the person who started the run (they could not approve it anyway).
 */
export async function approvalRecipients(
  run: RunbookRun,
  step: Extract<RunbookStep, { kind: 'approval' }>,
  index: number,
  expiresAt: Date,
): Promise<ApprovalRecipient[]> {
  const ids = step.approvers.length
    ? step.approvers
    : (await pagesOf(run.incidentId)).filter((p) => p.status === 'sent').map((p) => p.userId);
  const wanted = [...new Set(ids)].filter((id) => id !== run.trigger.by);
  if (!wanted.length) return [];
  const people = await usersById(wanted);
  let secrets: string[] | undefined;
  try {
    secrets = actLinkSecrets();
  } catch (err) {
    if (!(err instanceof ActLinkSecretMissingError)) throw err;
  }
  const url = (decision: ApprovalDecision, userId: string, s: string[]) =>
    `${publicBaseUrl()}/runbook-approvals/${signApprovalLink({ decision, runId: run.id, stepIndex: index, userId, expiresAt }, s)}`;
  return wanted.map((id) => ({
    id,
    name: people.get(id)?.name ?? id,
    ...(secrets ? { links: { approve: url('approve', id, secrets), reject: url('reject', id, secrets) } } : {}),
  }));
}

/** A short, fixed-length stand-in for a user id in de-duplication ids. */
export const recipientKey = (userId: string) => createHash('sha256').update(userId).digest('hex').slice(0, 16);
