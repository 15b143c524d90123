// Lambda entry for the SLO ops API (see infra/catalog/slo.ts: "ops-slo"). Viewers read SLOs with
// their status and history, responders (and the systems they run) push SLI counts, admins create,
// change and delete. Edits carry the version they read (optimistic locking, 409 when stale).
import { ulid } from 'ulid';
import { sloOperations } from '../../shared/api/operations/slo';
import { ConflictError } from '../../shared/domain/errors';
import { floorMinute } from '../../shared/domain/slo/minute';
import { httpApi, json, noContent } from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import { getSloTicketState, putSliCounts, slos } from '../../shared/store/slo';

const MAX_HISTORY_POINTS = 2000;
/** Counts may be pushed for the past 35 days (late batches) and at most 5 minutes ahead (clock skew). */
const MAX_AGE_MS = 35 * 86_400_000;
const MAX_AHEAD_MS = 5 * 60_000;
/**
 * OpenSLO import/export and its YAML parser (~125 KB minified) load on the two routes that use them,
 * not at cold start (issue 15; esbuild splits them into a chunk of their own).
 */
const openSlo = () => import('../../shared/domain/slo/openslo');
/**
 * Measuring an SLO (its window in the service's time zone, with luxon) and resolving its alerts load
 * on the routes that read or delete one, not at the cold start of the frequent event pushes (issue 15).
 */
const measuring = () => import('../../shared/app/slo/measure');
const ticking = () => import('../../shared/app/slo/tick');

export const handler = httpApi(sloOperations, {
  'POST /slos': async (req) => {
    const { id, ...input } = req.input.body;
    const created = await slos.create({ ...input, id: id ?? `slo-${ulid().toLowerCase()}` }, req.now.toISOString());
    return json(201, created, { location: `/slos/${created.id}` });
  },
  'GET /slos': async (req) => json(200, await slos.list(req.input.query.limit, req.input.query.cursor)),
  'GET /slos/{id}': async (req) => {
    const slo = await slos.require(req.params.id!);
    const { measureSlo } = await measuring();
    const [evaluation, ticket] = await Promise.all([measureSlo(slo, req.now), getSloTicketState(slo.id)]);
    return json(200, { ...slo, evaluation, ...(ticket ? { ticket } : {}) });
  },
  'PATCH /slos/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    await slos.require(req.params.id!);
    return json(200, await slos.update(req.params.id!, patch, req.now.toISOString(), version));
  },
  'DELETE /slos/{id}': async (req) => {
    const slo = await slos.require(req.params.id!);
    await slos.remove(slo.id);
    const { resolveSloAlerts } = await ticking();
    await resolveSloAlerts(slo, req.now);
    return noContent();
  },
  'POST /slos/{id}/events': async (req) => {
    const slo = await slos.require(req.params.id!);
    if (slo.sli.kind !== 'ratio')
      throw problem(422, `SLO ${slo.id} measures availability from probes and incidents; it takes no pushed events.`, {
        errors: [{ field: 'sli.kind', message: 'must be ratio to push events' }],
      });
    const { source, events } = req.input.body;
    const now = req.now.getTime();
    const points = events.map((e, i) => {
      const minute = floorMinute(Date.parse(e.minute));
      if (minute < now - MAX_AGE_MS || minute > now + MAX_AHEAD_MS)
        throw problem(
          422,
          `events[${i}].minute ${e.minute} is outside the accepted range (35 days back, 5 minutes ahead).`,
          {
            errors: [
              { field: `events[${i}].minute`, message: 'must be within the last 35 days and at most 5 minutes ahead' },
            ],
          },
        );
      return { minute, good: e.good, total: e.total };
    });
    await putSliCounts(slo.id, source, points);
    const minutes = points.map((p) => p.minute);
    return json(200, {
      source,
      minutes: new Set(minutes).size,
      from: new Date(Math.min(...minutes)).toISOString(),
      to: new Date(Math.max(...minutes)).toISOString(),
    });
  },
  'POST /slos/openslo': async (req) => {
    const { importOpenSlo, parseOpenSlo, OpenSloError } = await openSlo();
    let inputs;
    try {
      inputs = importOpenSlo(parseOpenSlo(req.rawBody));
    } catch (err) {
      if (!(err instanceof OpenSloError)) throw err;
      throw problem(422, `The OpenSLO bundle does not validate: ${err.message}`, {
        errors: [{ field: err.field, message: err.message.slice(err.field.length + 2) }],
      });
    }
    // Every SLO is checked before any is stored, so a bundle is imported whole or not at all
    // (barring a concurrent create of the same id, which answers 409 for that one).
    const ids = inputs.map((i) => i.id!);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup)
      throw problem(422, `Two SLOs named ${dup}.`, { errors: [{ field: 'metadata.name', message: 'must be unique' }] });
    const existing = (await Promise.all(ids.map((id) => slos.get(id)))).filter(Boolean);
    if (existing.length) throw new ConflictError(`SLOs already exist: ${existing.map((e) => e!.id).join(', ')}.`);
    const at = req.now.toISOString();
    const items = [];
    for (const { id, ...input } of inputs) items.push(await slos.create({ ...input, id: id! }, at));
    return json(201, { items });
  },
  'GET /slos/{id}/openslo': async (req) => {
    const { exportOpenSlo, openSloYaml } = await openSlo();
    const docs = exportOpenSlo(await slos.require(req.params.id!));
    if (req.input.query.format === 'json') return json(200, docs);
    return { statusCode: 200, headers: { 'content-type': 'application/yaml' }, body: openSloYaml(docs) };
  },
  'GET /slos/{id}/history': async (req) => {
    const slo = await slos.require(req.params.id!);
    const q = req.input.query;
    const to = q.to ? new Date(q.to) : req.now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
    if (from >= to)
      throw problem(422, 'from must be before to.', { errors: [{ field: 'from', message: 'must be before to' }] });
    if ((to.getTime() - from.getTime()) / 60_000 / q.stepMinutes > MAX_HISTORY_POINTS)
      throw problem(422, `At most ${MAX_HISTORY_POINTS} points: widen stepMinutes or narrow from/to.`, {
        errors: [{ field: 'stepMinutes', message: `(to - from) / stepMinutes must be at most ${MAX_HISTORY_POINTS}` }],
      });
    const { measureHistory } = await measuring();
    const points = await measureHistory(slo, from, to, q.stepMinutes);
    return json(200, {
      sloId: slo.id,
      from: from.toISOString(),
      to: to.toISOString(),
      stepMinutes: q.stepMinutes,
      points,
    });
  },
});
