// Reading a volumes file for the anomaly backtest (`npm run ra -- backtest --volumes <file>`):
// CSV with a header `period,series,volume` — or `period,side,service,direction,volume`, the series
// being `side:service:direction` — or JSON Lines with the same fields; gzip or not. `period` is
// `YYYY-MM-DD` (daily) or `YYYY-MM-DDTHH` (hourly). Bad lines are listed, never fatal. And reading
// the stored volumes through the ops API, GET /ra/volumes (`npm run ra -- volumes export`, whose
// JSON Lines this reader reads back, and `backtest --api`).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { periodMs, type VolumePoint } from '../domain/revenue/anomalies';
import { forEachLine, splitCsvLine, type UsageLineError } from './usage-files';

export async function readVolumes(input: Readable): Promise<{ volumes: VolumePoint[]; errors: UsageLineError[] }> {
  const volumes: VolumePoint[] = [];
  const errors: UsageLineError[] = [];
  let header: Map<string, number> | undefined;
  let jsonl = false;
  await forEachLine(input, (buf, start, end, line) => {
    const text = buf.toString('utf8', start, end).trim();
    if (text === '') return;
    let get: (name: string) => string | undefined;
    if (header === undefined && !jsonl) {
      if (text.startsWith('{')) jsonl = true;
      else {
        header = new Map((splitCsvLine(text.replace(/^\uFEFF/, ''), ',') ?? []).map((n, i) => [n.trim(), i]));
        if (!header.has('period') || !header.has('volume') || !(header.has('series') || header.has('service'))) {
          errors.push({ line, reason: 'the header needs period, volume and series (or side, service, direction)' });
          header = new Map();
        }
        return;
      }
    }
    if (jsonl) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(text) as Record<string, unknown>;
      } catch {
        errors.push({ line, reason: 'not valid JSON' });
        return;
      }
      get = (n) => (o[n] === undefined || o[n] === null ? undefined : String(o[n]));
    } else {
      if (header!.size === 0) return;
      const cells = splitCsvLine(text, ',');
      if (cells === undefined) {
        errors.push({ line, reason: 'not valid CSV' });
        return;
      }
      get = (n) => (header!.has(n) ? cells[header!.get(n)!]?.trim() : undefined);
    }
    const period = get('period') ?? '';
    if (Number.isNaN(periodMs(period))) {
      errors.push({ line, reason: `period '${period}' is not YYYY-MM-DD or YYYY-MM-DDTHH` });
      return;
    }
    const series =
      get('series') ??
      [get('side'), get('service'), get('direction')].filter((x) => x !== undefined && x !== '').join(':');
    if (series === '') {
      errors.push({ line, reason: 'series is empty' });
      return;
    }
    const raw = get('volume');
    const volume = raw === undefined || raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(volume) || volume < 0) {
      errors.push({ line, reason: 'volume is not a number ≥ 0' });
      return;
    }
    volumes.push({ series, period, volume });
  });
  return { volumes, errors };
}

export function readVolumeFile(file: string): Promise<{ volumes: VolumePoint[]; errors: UsageLineError[] }> {
  return readVolumes(createReadStream(file));
}

/** Where the stored volumes are read from: the ops API (GET /ra/volumes) and its filters. */
export interface StoredVolumesQuery {
  /** The ops API's base URL, e.g. `http://localhost:3000`. */
  api: string;
  /** A bearer token with the viewer role. */
  token: string;
  from?: string;
  to?: string;
  series?: string;
}

interface StoredDay {
  period: string;
  source: 'run' | 'history';
  runId?: string;
  volumes: VolumePoint[];
}

/**
 * Every stored day of the range, oldest first, through GET /ra/volumes page by page; answers how
 * many days were read and from where. A refused request (problem+json) throws with its detail and
 * the fields it names.
 */
export async function forEachStoredDay(
  q: StoredVolumesQuery,
  each: (day: StoredDay) => void,
  pageSize = 200,
): Promise<{ days: number; fromRuns: number; fromHistory: number }> {
  const counts = { days: 0, fromRuns: 0, fromHistory: 0 };
  let cursor: string | undefined;
  do {
    const url = new URL('/ra/volumes', q.api.endsWith('/') ? q.api : `${q.api}/`);
    for (const [name, value] of Object.entries({ from: q.from, to: q.to, series: q.series, cursor }))
      if (value !== undefined) url.searchParams.set(name, value);
    url.searchParams.set('limit', String(pageSize));
    const r = await fetch(url, { headers: { authorization: `Bearer ${q.token}`, accept: 'application/json' } });
    const text = await r.text();
    if (!r.ok) {
      let detail = text.slice(0, 300);
      try {
        const p = JSON.parse(text) as {
          detail?: string;
          title?: string;
          errors?: Array<{ field: string; message: string }>;
        };
        detail = [p.detail ?? p.title, ...(p.errors ?? []).map((e) => `${e.field}: ${e.message}`)]
          .filter(Boolean)
          .join('; ');
      } catch {
        // not problem+json: the start of the body says enough
      }
      throw new Error(`GET ${url.pathname}${url.search} answered ${r.status}: ${detail}`);
    }
    const page = JSON.parse(text) as { items: StoredDay[]; nextCursor?: string };
    for (const day of page.items) {
      counts.days++;
      if (day.source === 'run') counts.fromRuns++;
      else counts.fromHistory++;
      each(day);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}
