// Lambda entry for the probes and jobs ops API (see infra/catalog.ts: "ops-probes"). Viewers
// read, responders pause and resume, admins create, edit and delete. Edits carry the version
// they read (optimistic locking, 409 when stale).
import { ulid } from 'ulid';
import { type PingKind } from '../../shared/domain/probes/definitions';
import { probeOperations } from '../../shared/api/operations/probes';
import { httpApi, json, noContent, type HttpResult } from '../../shared/http/idempotent-api';
import { listFlips } from '../../shared/store/probe-history';
import {
  createJob,
  deleteJob,
  listJobs,
  listPings,
  newPingKey,
  pauseJob,
  pingPath,
  requireJob,
  resumeJob,
  rotatePingKey,
  updateJob,
  type Job,
  type JobDefinition,
} from '../../shared/store/probe-jobs';
import {
  createProbe,
  deleteProbe,
  listProbeResults,
  listProbes,
  pauseProbe,
  requireProbe,
  resumeProbe,
  updateProbe,
} from '../../shared/store/probes';

/** Ping URLs of a job; absolute when the deployment knows its public base URL. */
function withPingUrls<T extends JobDefinition>(j: T): T & { pingUrls: Record<PingKind, string> } {
  const base = (process.env.PUBLIC_BASE_URL ?? '').replace(/\/$/, '');
  const url = (kind: PingKind) => `${base}${pingPath(j.pingKey, kind)}`;
  return { ...j, pingUrls: { success: url('success'), start: url('start'), fail: url('fail') } };
}

const jobResponse = (status: number, j: Job, headers: Record<string, string> = {}): HttpResult =>
  json(status, withPingUrls(j), headers);

export const handler = httpApi(probeOperations, {
  // ------------------------------------------------------------------ service probes
  'POST /probes': async (req) => {
    const input = req.input.body;
    const created = await createProbe({ ...input, id: input.id ?? `prb-${ulid().toLowerCase()}` }, req.now);
    return json(201, created, { location: `/probes/${created.id}` });
  },
  'GET /probes': async (req) => json(200, await listProbes(req.input.query)),
  'GET /probes/{id}': async (req) => json(200, await requireProbe(req.params.id!)),
  'PATCH /probes/{id}': async (req) => json(200, await updateProbe(req.params.id!, req.input.body, req.now)),
  'DELETE /probes/{id}': async (req) => {
    await deleteProbe(req.params.id!, req.now);
    return noContent();
  },
  'POST /probes/{id}/pause': async (req) => json(200, await pauseProbe(req.params.id!, req.now)),
  'POST /probes/{id}/resume': async (req) => json(200, await resumeProbe(req.params.id!, req.now)),
  'GET /probes/{id}/results': async (req) => {
    const q = req.input.query;
    await requireProbe(req.params.id!);
    return json(200, await listProbeResults(req.params.id!, q.limit, q.cursor));
  },
  'GET /probes/{id}/flips': async (req) => {
    const q = req.input.query;
    await requireProbe(req.params.id!);
    return json(200, await listFlips('probe', req.params.id!, q.limit, q.cursor));
  },

  // ------------------------------------------------------------------ jobs and daemons
  'POST /jobs': async (req) => {
    const input = req.input.body;
    const created = await createJob({ ...input, id: input.id ?? `job-${ulid().toLowerCase()}` }, newPingKey(), req.now);
    return jobResponse(201, created, { location: `/jobs/${created.id}` });
  },
  'GET /jobs': async (req) => {
    const page = await listJobs(req.input.query);
    return json(200, { ...page, items: page.items.map(withPingUrls) });
  },
  'GET /jobs/{id}': async (req) => jobResponse(200, await requireJob(req.params.id!)),
  'PATCH /jobs/{id}': async (req) => jobResponse(200, await updateJob(req.params.id!, req.input.body, req.now)),
  'DELETE /jobs/{id}': async (req) => {
    await deleteJob(req.params.id!, req.now);
    return noContent();
  },
  'POST /jobs/{id}/pause': async (req) => jobResponse(200, await pauseJob(req.params.id!, req.now)),
  'POST /jobs/{id}/resume': async (req) => jobResponse(200, await resumeJob(req.params.id!, req.now)),
  'POST /jobs/{id}/rotate-key': async (req) =>
    jobResponse(200, await rotatePingKey(req.params.id!, newPingKey(), req.now)),
  'GET /jobs/{id}/pings': async (req) => {
    const q = req.input.query;
    await requireJob(req.params.id!);
    return json(200, await listPings(req.params.id!, q.limit, q.cursor));
  },
  'GET /jobs/{id}/flips': async (req) => {
    const q = req.input.query;
    await requireJob(req.params.id!);
    return json(200, await listFlips('job', req.params.id!, q.limit, q.cursor));
  },
});
