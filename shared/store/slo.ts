// SLO definitions (generic entity storage, versioned) and the SLI counts pushed per minute.
// Counts are stored compactly: one item per SLO and UTC hour (`SLI#2026-11-30T12`), with one
// attribute per minute and source (`c07|checkout-web` = [good, total]). A repeat of the same
// (source, minute) overwrites its attribute, so it replaces and never doubles; writers of other
// sources or minutes touch other attributes of the item and never overwrite each other.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MinutePoint, Slo } from '../domain/slo/model';
import { documentClient, guard, tableName } from './client';
import { entityStore } from './entities';
import { SLO_ENTITY, sloKeys } from './keys';
import { queryAll } from './query';

export const slos = entityStore<Slo>(sloKeys.entityType, 'SLO');

/** Pushed counts are kept for a quarter and a half (the longest window plus the monthly report). */
export const SLI_TTL_DAYS = 140;
const HOUR_MS = 3_600_000;
const WRITE_CONCURRENCY = 4;

const hourOf = (minute: number) => new Date(Math.floor(minute / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
const attributeOf = (minute: number, source: string) =>
  `c${String(new Date(minute).getUTCMinutes()).padStart(2, '0')}|${source}`;

/** Write one source's counts; each (minute, source) replaces what was there. One update per hour touched. */
export async function putSliCounts(sloId: string, source: string, points: MinutePoint[]): Promise<void> {
  const byHour = new Map<string, Map<string, MinutePoint>>();
  for (const p of points) {
    const h = hourOf(p.minute);
    if (!byHour.has(h)) byHour.set(h, new Map());
    byHour.get(h)!.set(attributeOf(p.minute, source), p); // the last of two for one minute wins
  }
  const hours = [...byHour];
  let next = 0;
  const writeHour = ([hour, attrs]: [string, Map<string, MinutePoint>]) => {
    const names: Record<string, string> = { '#type': 'type', '#exp': 'expiresAt', '#hour': 'hour' };
    const values: Record<string, unknown> = {
      ':type': SLO_ENTITY.sliHour,
      ':exp': Math.floor(Date.parse(`${hour}:00:00Z`) / 1000) + SLI_TTL_DAYS * 86_400,
      ':hour': hour,
    };
    const sets = ['#type = :type', '#exp = :exp', '#hour = :hour'];
    [...attrs].forEach(([attr, p], i) => {
      names[`#a${i}`] = attr;
      values[`:v${i}`] = [p.good, p.total];
      sets.push(`#a${i} = :v${i}`);
    });
    return guard('store SLI counts', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sloKeys.sliHour(sloId, hour),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  };
  // A few hours at a time: a month of history is 720 updates, which must not flood the table.
  await Promise.all(
    Array.from({ length: Math.min(WRITE_CONCURRENCY, hours.length) }, async () => {
      while (next < hours.length) await writeHour(hours[next++]!);
    }),
  );
}

/** Every source's counts summed per minute, for minutes in [from, to). */
export async function sliCountsBetween(sloId: string, from: number, to: number): Promise<MinutePoint[]> {
  const pk = sloKeys.sliHour(sloId, '').pk;
  const prefix = sloKeys.sliHourPrefix();
  const items = await queryAll({
    what: 'SLI counts',
    pk,
    skBetween: [`${prefix}${hourOf(from)}`, `${prefix}${hourOf(Math.max(from, to - 1))}`],
  });
  const sums = new Map<number, MinutePoint>();
  for (const item of items) {
    const hourStart = Date.parse(`${String(item.hour)}:00:00Z`);
    for (const [k, v] of Object.entries(item)) {
      if (k.charCodeAt(0) !== 99 /* c */ || k[3] !== '|' || !Array.isArray(v)) continue;
      const minute = hourStart + Number(k.slice(1, 3)) * 60_000;
      if (minute < from || minute >= to) continue;
      const p = sums.get(minute) ?? { minute, good: 0, total: 0 };
      p.good += Number(v[0]);
      p.total += Number(v[1]);
      sums.set(minute, p);
    }
  }
  return [...sums.values()].sort((a, b) => a.minute - b.minute);
}
