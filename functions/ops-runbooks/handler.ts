// Lambda entry for the runbooks API (see infra/catalog/runbooks.ts: "ops-runbooks"): versioned
// runbook definitions, runs started by hand from an incident (or dry), and approvals — by the
// signed-in API route or by a signed link (`/runbook-approvals/{token}`: no login, the token is the
// credential; GET only shows a confirmation page, so link scanners approve nothing; POST answers).
import { runbookOperations } from '../../shared/api/operations/runbooks';
import { actLinkSecrets } from '../../shared/app/oncall/page-links';
import {
  answerApproval,
  ApprovalRefusedError,
  incidentVars,
  pendingApproval,
  startRun,
} from '../../shared/app/runbooks/runs';
import { render } from '../../shared/domain/runbooks/definition';
import { verifyApprovalLink, type ApprovalLink } from '../../shared/domain/runbooks/approval-links';
import { saveRunbook } from '../../shared/app/runbooks/definitions';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { htmlResult as html, verifiedLink, wantsHtml } from '../../shared/http/link-pages';
import { problem } from '../../shared/http/problem';
import { requireIncident } from '../../shared/store/incidents';
import { users } from '../../shared/store/oncall';
import {
  auditOf,
  listRunbooks,
  requireRun,
  requireRunbook,
  runsOfIncident,
  type RunbookRun,
} from '../../shared/store/runbooks';
import { confirmationPage, donePage } from './pages';

const by = (req: HttpRequest) => ({ id: req.principal!.id, name: req.principal!.name });
/** The approval's task token never leaves the store. */
const view = ({ approval, ...run }: RunbookRun) => ({
  ...run,
  ...(approval
    ? { approval: { index: approval.index, stepId: approval.stepId, requestedAt: approval.requestedAt } }
    : {}),
});

const linkOf = (req: HttpRequest): ApprovalLink =>
  verifiedLink(() => verifyApprovalLink(req.params.token ?? '', actLinkSecrets(), req.now));

/** The approval the link answers, still pending, for a person who may answer it (4xx otherwise; nothing changes). */
async function pendingFor(link: ApprovalLink) {
  try {
    return await pendingApproval(link.runId, link.userId, link.stepIndex);
  } catch (err) {
    if (err instanceof ApprovalRefusedError) throw problem(err.status, err.message);
    throw err;
  }
}

export const handler = httpApi(runbookOperations, {
  'PUT /runbooks/{id}': async (req) => {
    const { version, ...def } = req.input.body;
    const r = await saveRunbook(req.params.id!, def, req.principal!.id, req.now, version);
    return json(r.created ? 201 : 200, r.runbook, { etag: `"${r.runbook.version}"` });
  },
  'GET /runbooks': async () => json(200, { items: await listRunbooks() }),
  'GET /runbooks/{id}': async (req) => json(200, await requireRunbook(req.params.id!, req.input.query.version)),
  'POST /incidents/{id}/runbooks/{runbookId}/runs': async (req) => {
    const b = req.input.body;
    const run = await startRun({
      incidentId: req.params.id!,
      runbookId: req.params.runbookId!,
      parameters: b.parameters,
      dryRun: b.dryRun,
      by: by(req),
      now: req.now,
    });
    return json(201, view(run), { location: `/runbook-runs/${run.id}` });
  },
  'GET /incidents/{id}/runbook-runs': async (req) =>
    json(200, { items: (await runsOfIncident(req.params.id!)).map(view) }),
  'GET /runbook-runs/{id}': async (req) => {
    const [run, audit] = await Promise.all([requireRun(req.params.id!), auditOf(req.params.id!)]);
    return json(200, {
      ...view(run),
      audit: audit.map(({ at, action, by: who, via, detail }) => ({
        at,
        action,
        by: who,
        ...(via ? { via } : {}),
        detail,
      })),
    });
  },
  'POST /runbook-runs/{id}/approval': async (req) => {
    const b = req.input.body;
    try {
      const run = await answerApproval(req.params.id!, b.decision === 'approve', by(req), b.reason, req.now);
      return json(200, view(run));
    } catch (err) {
      if (err instanceof ApprovalRefusedError) throw problem(err.status, err.message);
      throw err;
    }
  },
  'GET /runbook-approvals/{token}': async (req) => {
    const link = linkOf(req);
    const { run, step } = await pendingFor(link);
    const [incident, user] = await Promise.all([requireIncident(run.incidentId), users.get(link.userId)]);
    const prompt = render(step.prompt, { params: run.parameters, incident: incidentVars(incident) });
    return html(
      200,
      confirmationPage(
        link,
        {
          runbookName: run.runbookName,
          stepId: step.id,
          prompt,
          incidentNumber: run.incidentNumber,
          incidentTitle: incident.title,
          requestedBy: run.trigger.name ?? run.trigger.by,
        },
        user?.name ?? link.userId,
      ),
    );
  },
  'POST /runbook-approvals/{token}': async (req) => {
    const link = linkOf(req);
    const user = await users.get(link.userId);
    let run: RunbookRun;
    try {
      run = await answerApproval(
        link.runId,
        link.decision === 'approve',
        { id: link.userId, name: user?.name ?? link.userId },
        undefined,
        req.now,
        { via: 'link', stepIndex: link.stepIndex },
      );
    } catch (err) {
      if (err instanceof ApprovalRefusedError) throw problem(err.status, err.message);
      throw err;
    }
    const stepId = (await requireRunbook(run.runbookId, run.runbookVersion)).steps[link.stepIndex]!.id;
    if (wantsHtml(req))
      return html(200, donePage(link, { runbookName: run.runbookName, stepId, incidentNumber: run.incidentNumber }));
    return json(200, {
      decision: link.decision,
      run: { id: run.id, status: run.status, incidentId: run.incidentId, stepId },
    });
  },
});
