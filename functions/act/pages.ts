// The two small HTML pages behind an action link: "confirm" (GET) and "done" (POST from a browser).
import type { ActLink } from '../../shared/domain/oncall/links';
import type { Incident } from '../../shared/store/incidents';
import { escapeHtml as escape } from '../../shared/domain/html';
import { linkPage } from '../../shared/http/link-pages';

const verb = (a: ActLink['action']) => (a === 'acknowledge' ? 'Acknowledge' : 'Resolve');

const layout = (title: string, body: string) =>
  linkPage(title, body, '.sev{font-weight:700}button{background:#0a66c2}');

function applies(link: ActLink, i: Incident): string | undefined {
  if (i.status === 'resolved') return `Incident #${i.number} is already resolved.`;
  if (link.action === 'acknowledge' && i.status === 'acknowledged')
    return `Incident #${i.number} is already acknowledged.`;
  return undefined;
}

export function confirmationPage(link: ActLink, i: Incident, userName: string): string {
  const done = applies(link, i);
  const what = `${verb(link.action)} incident #${i.number}`;
  return layout(
    what,
    `<h1>${escape(done ? `Incident #${i.number}` : `${what}?`)}</h1>
<p><span class="sev">${escape(i.severity)}</span> ${escape(i.title)}</p>
<p>Status: ${escape(i.status)}${i.serviceId ? ` · Service: ${escape(i.serviceId)}` : ''}</p>
${
  done
    ? `<p>${escape(done)} Nothing to do.</p>`
    : `<form method="post"><button type="submit">${escape(verb(link.action))} as ${escape(userName)}</button></form>`
}
<p class="note">This link works once you confirm; it expires ${escape(link.expiresAt.toISOString())}.</p>`,
  );
}

export function donePage(link: ActLink, i: Incident): string {
  const did = link.action === 'acknowledge' ? 'acknowledged — escalation stopped' : 'resolved';
  return layout(
    `Incident #${i.number} ${did}`,
    `<h1>Incident #${i.number} ${escape(did)}</h1><p><span class="sev">${escape(i.severity)}</span> ${escape(i.title)}</p>`,
  );
}
