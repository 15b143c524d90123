// Reading a volumes file for the anomaly backtest (`npm run ra -- backtest --volumes <file>`):
// CSV with a header `period,series,volume` — or `period,side,service,direction,volume`, the series
// being `side:service:direction` — or JSON Lines with the same fields; gzip or not. `period` is
// `YYYY-MM-DD` (daily) or `YYYY-MM-DDTHH` (hourly). Bad lines are listed, never fatal.
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
