// The two small HTML pages behind a runbook approval link: "confirm" (GET: what answering will do,
// with the button) and "done" (the POST from that button). Same look as the page links' pages.
import { escapeHtml as escape } from '../../shared/domain/html';
import type { ApprovalLink } from '../../shared/domain/runbooks/approval-links';
import { linkPage } from '../../shared/http/link-pages';

const layout = (title: string, body: string) =>
  linkPage(
    title,
    body,
    'blockquote{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #0a66c2;background:#f5f8fc}.approve{background:#0a7a32}.reject{background:#b3261e}',
  );

export interface ApprovalFacts {
  runbookName: string;
  stepId: string;
  prompt: string;
  incidentNumber: number;
  incidentTitle: string;
  requestedBy: string;
}

const verb = (d: ApprovalLink['decision']) => (d === 'approve' ? 'Approve' : 'Reject');

export function confirmationPage(link: ApprovalLink, f: ApprovalFacts, userName: string): string {
  const what = `${verb(link.decision)} step ${f.stepId} of ${f.runbookName}`;
  return layout(
    `${what}?`,
    `<h1>${escape(what)}?</h1>
<p>Incident #${f.incidentNumber}: ${escape(f.incidentTitle)}</p>
<blockquote>${escape(f.prompt)}</blockquote>
<p>Started by ${escape(f.requestedBy)}.</p>
<form method="post"><button class="${link.decision}" type="submit">${escape(verb(link.decision))} as ${escape(userName)}</button></form>
<p class="note">Nothing happens until you confirm. This link works once; it expires ${escape(link.expiresAt.toISOString())}.</p>`,
  );
}

export function donePage(
  link: ApprovalLink,
  f: Pick<ApprovalFacts, 'runbookName' | 'stepId' | 'incidentNumber'>,
): string {
  const did = `Step ${f.stepId} of ${f.runbookName} ${link.decision === 'approve' ? 'approved' : 'rejected'}`;
  return layout(
    did,
    `<h1>${escape(did)}</h1><p>Incident #${f.incidentNumber}: the run ${link.decision === 'approve' ? 'goes on' : 'takes its on-failure branch'}; its steps land on the incident's timeline.</p>`,
  );
}
