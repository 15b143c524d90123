// Lambda entry for the runbooks API (see infra/catalog/runbooks.ts: "ops-runbooks"): versioned
// runbook definitions, runs started by hand from an incident (or dry), and approvals.
import { runbookOperations } from '../../shared/api/operations/runbooks';
import { answerApproval, ApprovalRefusedError, startRun } from '../../shared/app/runbooks/runs';
import { saveRunbook } from '../../shared/app/runbooks/definitions';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import {
  auditOf,
  listRunbooks,
  requireRun,
  requireRunbook,
  runsOfIncident,
  type RunbookRun,
} from '../../shared/store/runbooks';

const by = (req: HttpRequest) => ({ id: req.principal!.id, name: req.principal!.name });
/** The approval's task token never leaves the store. */
const view = ({ approval, ...run }: RunbookRun) => ({
  ...run,
  ...(approval
    ? { approval: { index: approval.index, stepId: approval.stepId, requestedAt: approval.requestedAt } }
    : {}),
});

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
      audit: audit.map(({ at, action, by: who, detail }) => ({ at, action, by: who, detail })),
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
});
