// The two small HTML pages behind a runbook approval link: "confirm" (GET: what answering will do,
// with the button) and "done" (the POST from that button). Same look as the page links' pages.
import type { ApprovalLink } from '../../shared/domain/runbooks/approval-links';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:0;padding:2rem 1rem;background:#f5f5f7;color:#1d1d1f}main{max-width:32rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}blockquote{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #0a66c2;background:#f5f8fc}button{font-size:1.1rem;padding:.8rem 1.4rem;border:0;border-radius:8px;color:#fff;width:100%}.approve{background:#0a7a32}.reject{background:#b3261e}.note{color:#666;font-size:.85rem}</style>
</head><body><main>${body}</main></body></html>`;
}

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
