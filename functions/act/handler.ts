// Lambda entry for page action links (see infra/catalog.ts: "act"): `/act/{token}` works without
// logging in, because the signed token is the credential (one action, one incident, one person,
// until it expires). GET only shows what the link will do with a confirm button, so mail-client
// link scanners and previews that fetch links act on nothing; POST (the button) acts, through the
// same incident actions as the ops API. A bad, changed or expired link gets a 4xx problem+json.
import { verifyLink, type ActLink } from '../../shared/domain/oncall/links';
import { actOperations } from '../../shared/api/operations/act';
import { httpApi, json, type HttpRequest } from '../../shared/http/api';
import { htmlResult as html, verifiedLink, wantsHtml } from '../../shared/http/link-pages';
import { problem } from '../../shared/http/problem';
import { acknowledgeIncident, resolveIncident } from '../../shared/app/incidents/actions';
import { actLinkSecrets } from '../../shared/app/oncall/page-links';
import { getIncident } from '../../shared/store/incidents';
import { users } from '../../shared/store/oncall';
import { confirmationPage, donePage } from './pages';

const linkOf = (req: HttpRequest): ActLink =>
  verifiedLink(() => verifyLink(req.params.token ?? '', actLinkSecrets(), req.now));

export const handler = httpApi(actOperations, {
  'GET /act/{token}': async (req) => {
    const link = linkOf(req);
    const incident = await getIncident(link.incidentId);
    if (!incident) throw problem(404, 'The incident of this link no longer exists.');
    const user = await users.get(link.userId);
    return html(200, confirmationPage(link, incident, user?.name ?? link.userId));
  },
  'POST /act/{token}': async (req) => {
    const link = linkOf(req);
    const user = await users.get(link.userId);
    const actor = { type: 'user' as const, id: link.userId, name: user?.name ?? link.userId };
    const incident =
      link.action === 'acknowledge'
        ? await acknowledgeIncident(link.incidentId, actor, req.now)
        : await resolveIncident(link.incidentId, actor, req.now, 'resolved from a page link');
    if (wantsHtml(req)) return html(200, donePage(link, incident));
    return json(200, {
      action: link.action,
      incident: {
        id: incident.id,
        number: incident.number,
        title: incident.title,
        status: incident.status,
        severity: incident.severity,
        revision: incident.revision,
      },
    });
  },
});
