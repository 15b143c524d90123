// The two small HTML pages behind an action link: "confirm" (GET) and "done" (POST from a browser).
import type { ActLink } from '../../shared/domain/oncall/links';
import type { Incident } from '../../shared/store/incidents';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const verb = (a: ActLink['action']) => (a === 'acknowledge' ? 'Acknowledge' : 'Resolve');

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:0;padding:2rem 1rem;background:#f5f5f7;color:#1d1d1f}main{max-width:32rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}.sev{font-weight:700}button{font-size:1.1rem;padding:.8rem 1.4rem;border:0;border-radius:8px;background:#0a66c2;color:#fff;width:100%}.note{color:#666;font-size:.85rem}</style>
</head><body><main>${body}</main></body></html>`;
}

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
