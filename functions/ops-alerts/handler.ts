// Lambda entry for reading alerts (see infra/catalog.ts: "ops-alerts").
import { alertOperations } from '../../shared/api/operations/ingest';
import { httpApi, json } from '../../shared/http/api';
import { problem } from '../../shared/http/problem';
import { getAlert, listAlerts } from '../../shared/store/alerts';
import { dispositionOf, withDispositions } from '../../shared/app/incidents/alert-dispositions';
import { getPayload } from '../../shared/store/raw-payloads';

const DEFAULT_WINDOW_DAYS = 7;
const MAX_WINDOW_DAYS = 90;
/** With a disposition filter, empty pages are skipped up to this many reads before answering. */
const MAX_FILTER_PAGES = 10;

export const handler = httpApi(alertOperations, {
  'GET /alerts': async (req) => {
    const q = req.input.query;
    const since = q.since ? new Date(q.since) : new Date(req.now.getTime() - DEFAULT_WINDOW_DAYS * 86400000);
    if (req.now.getTime() - since.getTime() > MAX_WINDOW_DAYS * 86400000)
      throw problem(422, `since may be at most ${MAX_WINDOW_DAYS} days ago.`, {
        errors: [{ field: 'since', message: `at most ${MAX_WINDOW_DAYS} days before now` }],
      });
    // The disposition is its own item: filter each page read, so a page may hold fewer than
    // `limit` items (never more); follow nextCursor for the rest.
    let cursor = q.cursor;
    for (let read = 1; ; read++) {
      const page = await listAlerts({
        status: q.status,
        integrationId: q.integration,
        since,
        until: req.now,
        limit: q.limit,
        cursor,
      });
      const items = await withDispositions(page.items, q.disposition);
      if (items.length || !page.nextCursor || read >= MAX_FILTER_PAGES) return json(200, { ...page, items });
      cursor = page.nextCursor;
    }
  },
  'GET /alerts/{id}': async (req) => {
    const alert = await getAlert(req.params.id!);
    if (!alert) throw problem(404, `No alert with id ${req.params.id}.`);
    const raw = await getPayload(alert.firstPayloadId);
    const last = alert.lastPayloadId !== alert.firstPayloadId ? await getPayload(alert.lastPayloadId) : undefined;
    return json(200, {
      ...alert,
      disposition: await dispositionOf(alert.id),
      rawPayload: raw ? { id: raw.id, contentType: raw.contentType, receivedAt: raw.receivedAt, body: raw.body } : null,
      lastRawPayload: last
        ? { id: last.id, contentType: last.contentType, receivedAt: last.receivedAt, body: last.body }
        : undefined,
    });
  },
});
