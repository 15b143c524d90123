// Lambda entry for the postmortems API (see infra/catalog/postmortems.ts: "ops-postmortems"): start a
// postmortem from an incident, write its analysis (action items become tickets), move it through
// review to published, read it as JSON or Markdown, and list overdue action items.
import { postmortemOperations } from '../../shared/api/operations/postmortems';
import {
  changeStatus,
  createPostmortem,
  overdueActionItems,
  refreshFacts,
  saveAnalysis,
  viewPostmortem,
  type PostmortemView,
} from '../../shared/app/postmortems/commands';
import { dayOf } from '../../shared/domain/postmortems/lifecycle';
import type { PersonRef } from '../../shared/domain/postmortems/model';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { listPostmortems } from '../../shared/store/postmortems';

const by = (req: HttpRequest): PersonRef => ({ type: 'user', id: req.principal!.id, name: req.principal!.name });
const id = (req: HttpRequest) => req.params.id!;

function body(v: PostmortemView) {
  const { postmortem: pm, items, completion } = v;
  return {
    ...pm,
    complete: completion.complete,
    openActionItems: completion.open,
    actionItems: items,
  };
}

const view = async (pmId: string, now: Date, status = 200) => {
  const v = await viewPostmortem(pmId, now);
  return json(status, body(v), { etag: `"${v.postmortem.version}"` });
};

export const handler = httpApi(postmortemOperations, {
  'POST /incidents/{id}/postmortem': async (req) => {
    const r = await createPostmortem({ incidentId: id(req), by: by(req), now: req.now });
    const res = await view(r.postmortem.id, req.now, 201);
    return { ...res, headers: { ...res.headers, location: `/postmortems/${r.postmortem.id}` } };
  },
  'GET /postmortems': async (req) => {
    const q = req.input.query;
    const p = await listPostmortems(q.status, q.limit, q.cursor);
    return json(200, {
      items: p.items.map((pm) => ({
        id: pm.id,
        incidentNumber: pm.facts.incidentNumber,
        title: pm.facts.title,
        severity: pm.facts.severity,
        status: pm.status,
        required: pm.required,
        actionItems: pm.actionItems.length,
        createdAt: pm.createdAt,
        updatedAt: pm.updatedAt,
        version: pm.version,
      })),
      nextCursor: p.nextCursor,
    });
  },
  'GET /postmortem-action-items/overdue': async (req) =>
    json(200, { asOf: dayOf(req.now), items: await overdueActionItems(req.now) }),
  'GET /postmortems/{id}': async (req) => {
    const format = req.input.query.format;
    const markdown = format === 'markdown' || (format === undefined && /text\/markdown/.test(req.headers.accept ?? ''));
    if (!markdown) return view(id(req), req.now);
    // The Markdown rendering loads only for this format (issue 15: it keeps the cold start under 300 KB).
    const [v, { postmortemMarkdown }] = await Promise.all([
      viewPostmortem(id(req), req.now),
      import('../../shared/domain/postmortems/markdown'),
    ]);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/markdown; charset=utf-8',
        'content-disposition': `inline; filename="postmortem-${v.postmortem.facts.incidentNumber}.md"`,
        etag: `"${v.postmortem.version}"`,
      },
      body: postmortemMarkdown(v.postmortem, v.items, v.completion.complete),
    };
  },
  'PUT /postmortems/{id}/analysis': async (req) => {
    await saveAnalysis(id(req), req.input.body, by(req), req.now);
    return view(id(req), req.now);
  },
  'POST /postmortems/{id}/status': async (req) => {
    const b = req.input.body;
    await changeStatus(id(req), b.to, b.version, by(req), req.now, b.comment);
    return view(id(req), req.now);
  },
  'POST /postmortems/{id}/refresh': async (req) => {
    await refreshFacts(id(req), req.input.body.version, req.now);
    return view(id(req), req.now);
  },
});
