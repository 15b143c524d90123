// The status page rendered, pure: Statuspage API v2 JSON, a plain HTML page and an Atom feed.
import { escapeHtml } from '../html';
import { pageStatus, type Component, type PublicIncident } from './model';

export interface PageInfo {
  id: string;
  name: string;
  /** The HTML page's absolute URL. */
  url: string;
}

const pageJson = (p: PageInfo, updatedAt: string) => ({
  id: p.id,
  name: p.name,
  url: p.url,
  time_zone: 'Etc/UTC',
  updated_at: updatedAt,
});

const componentJson = (p: PageInfo) => (c: Component) => ({
  id: c.id,
  name: c.name,
  status: c.status,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  position: c.position,
  description: c.description ?? null,
  showcase: false,
  start_date: null,
  group_id: null,
  page_id: p.id,
  group: false,
  only_show_if_degraded: false,
});

export function incidentJson(p: PageInfo, components: Component[]) {
  const byId = new Map(components.map((c) => [c.id, c]));
  return (i: PublicIncident) => {
    const component = i.serviceId ? byId.get(i.serviceId) : undefined;
    return {
      id: i.incidentId,
      name: i.name,
      status: i.status,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      monitoring_at: i.monitoringAt ?? null,
      resolved_at: i.resolvedAt ?? null,
      impact: i.impact,
      shortlink: `${p.url}#incident-${i.incidentId}`,
      started_at: i.createdAt,
      page_id: p.id,
      incident_updates: [...i.updates].reverse().map((u) => ({
        id: u.id,
        status: u.status,
        body: u.body,
        incident_id: i.incidentId,
        created_at: u.createdAt,
        updated_at: u.createdAt,
        display_at: u.createdAt,
        affected_components: component
          ? [
              {
                code: component.id,
                name: component.name,
                old_status: u.oldComponentStatus ?? u.componentStatus,
                new_status: u.componentStatus,
              },
            ]
          : [],
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      })),
      components: component ? [componentJson(p)(component)] : [],
    };
  };
}

const latest = (components: Component[], incidents: PublicIncident[], fallback: string) =>
  [...components.map((c) => c.updatedAt), ...incidents.map((i) => i.updatedAt)].reduce(
    (a, b) => (b > a ? b : a),
    fallback,
  );

/** GET /api/v2/summary.json: page, components, unresolved incidents, maintenances, status. */
export function summaryJson(p: PageInfo, components: Component[], incidents: PublicIncident[], epoch: string) {
  return {
    page: pageJson(p, latest(components, incidents, epoch)),
    components: components.map(componentJson(p)),
    incidents: incidents.filter((i) => i.status !== 'resolved').map(incidentJson(p, components)),
    scheduled_maintenances: [],
    status: pageStatus(components),
  };
}

/** GET /api/v2/status.json. */
export function statusJson(p: PageInfo, components: Component[], incidents: PublicIncident[], epoch: string) {
  return { page: pageJson(p, latest(components, incidents, epoch)), status: pageStatus(components) };
}

/** GET /api/v2/incidents.json: the 50 most recent incidents, resolved ones included. */
export function incidentsJson(p: PageInfo, components: Component[], incidents: PublicIncident[], epoch: string) {
  return {
    page: pageJson(p, latest(components, incidents, epoch)),
    incidents: incidents.slice(0, 50).map(incidentJson(p, components)),
  };
}

const LABEL: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** The public HTML page: no script, no sign-in, readable without CSS. */
export function statusHtml(p: PageInfo, components: Component[], incidents: PublicIncident[], feedUrl: string) {
  const status = pageStatus(components);
  const e = escapeHtml;
  const incidentBlock = (i: PublicIncident) => `
    <article class="incident" id="incident-${e(i.incidentId)}">
      <h3>${e(i.name)} <span class="tag">${e(i.status)}</span> <span class="tag impact-${e(i.impact)}">impact: ${e(i.impact)}</span></h3>
      <ol class="updates">${[...i.updates]
        .reverse()
        .map(
          (u) =>
            `<li><strong>${e(u.status[0]!.toUpperCase() + u.status.slice(1))}</strong> — ${e(u.body)} <time datetime="${e(u.createdAt)}">${e(u.createdAt.replace('T', ' ').slice(0, 16))} UTC</time></li>`,
        )
        .join('')}</ol>
    </article>`;
  const open = incidents.filter((i) => i.status !== 'resolved');
  const past = incidents.filter((i) => i.status === 'resolved').slice(0, 20);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(p.name)}</title>
<link rel="alternate" type="application/atom+xml" title="${e(p.name)} history" href="${e(feedUrl)}">
<style>
body{font-family:system-ui,sans-serif;max-width:860px;margin:0 auto;padding:16px;color:#1f2328}
.banner{padding:14px 16px;border-radius:8px;font-size:1.2rem;font-weight:600;color:#fff}
.ind-none{background:#1a7f37}.ind-minor{background:#7d4e00}.ind-major{background:#9a3c00}.ind-critical{background:#a40e26}.ind-maintenance{background:#0550ae}
ul.components{list-style:none;padding:0;border:1px solid #d0d7de;border-radius:8px}
ul.components li{display:flex;justify-content:space-between;padding:10px 14px;border-bottom:1px solid #d0d7de}
ul.components li:last-child{border-bottom:0}
.st-operational{color:#116329}.st-degraded_performance{color:#7d4e00}.st-partial_outage{color:#9a3c00}.st-major_outage{color:#a40e26}.st-under_maintenance{color:#0550ae}
.tag{font-size:.8rem;border:1px solid #8c959f;border-radius:10px;padding:0 6px;font-weight:400}
time{color:#57606a;font-size:.9rem}
</style>
</head>
<body>
<header>
<h1>${e(p.name)}</h1>
<p class="banner ind-${status.indicator}" role="status">${e(status.description)}</p>
</header>
<main>
<h2>Components</h2>
<ul class="components">${components
    .map(
      (c) => `<li><span>${e(c.name)}</span><span class="st-${c.status}">${e(LABEL[c.status] ?? c.status)}</span></li>`,
    )
    .join('')}</ul>
<h2>Current incidents</h2>
${open.length ? open.map(incidentBlock).join('') : '<p>No incidents right now.</p>'}
<h2>Past incidents</h2>
${past.length ? past.map(incidentBlock).join('') : '<p>No past incidents.</p>'}
</main>
<footer><p><a href="${e(feedUrl)}">Atom feed</a> · <a href="api/v2/summary.json">summary.json</a></p></footer>
</body>
</html>
`;
}

/** The incident history as an Atom feed (RFC 4287): one entry per public incident. */
export function statusAtom(p: PageInfo, incidents: PublicIncident[], feedUrl: string, epoch: string) {
  const e = escapeHtml;
  const updated = incidents.reduce((a, i) => (i.updatedAt > a ? i.updatedAt : a), epoch);
  const entries = incidents.slice(0, 50).map((i) => {
    const content = [...i.updates]
      .reverse()
      .map((u) => `<p><strong>${e(u.status)}</strong> (${e(u.createdAt)}): ${e(u.body)}</p>`)
      .join('');
    return `  <entry>
    <id>tag:nocturne,2026:incident/${e(i.incidentId)}</id>
    <title>${e(i.name)} (${e(i.status)})</title>
    <updated>${e(i.updatedAt)}</updated>
    <published>${e(i.createdAt)}</published>
    <link rel="alternate" type="text/html" href="${e(`${p.url}#incident-${i.incidentId}`)}"/>
    <content type="html">${e(content)}</content>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:nocturne,2026:status/${e(p.id)}</id>
  <title>${e(p.name)} - incident history</title>
  <updated>${e(updated)}</updated>
  <link rel="self" type="application/atom+xml" href="${e(feedUrl)}"/>
  <link rel="alternate" type="text/html" href="${e(p.url)}"/>
  <author><name>${e(p.name)}</name></author>
${entries.join('\n')}
</feed>
`;
}
