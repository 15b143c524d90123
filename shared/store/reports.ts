// Monthly report records (what was generated, where its files are) and their subscribers. The files
// themselves live in the reports bucket; an item here names them. Deliveries are remembered one item
// per (report, figures digest, channel), written before sending, so a retried run sends nothing twice.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { entityStore, type Versioned } from './entities';
import { REPORT_ENTITY, reportKeys } from './keys';
import type { Page } from './pagination';
import { queryPage, type Item } from './query';

export interface ReportRecord {
  id: string;
  month: string;
  timeZone: string;
  /** Generated after the month's end: the figures are final. */
  complete: boolean;
  trigger: 'schedule' | 'demand';
  generatedAt: string;
  /** Digest of the figures (not of the rendering): equal figures are one delivery. */
  digest: string;
  htmlKey: string;
  pdfKey: string;
  htmlBytes: number;
  pdfBytes: number;
  summary: {
    services: number;
    slaBreached: string[];
    availabilityPercent: number;
    downtimeMinutes: number;
    incidents: number;
    slosMet: number;
    slos: number;
  };
  timings: { loadMs: number; computeMs: number; renderMs: number; pdfMs: number };
  revision: number;
}

export interface ReportSubscriber extends Versioned {
  email: string;
  name?: string;
  /** Reports of this zone's months are sent to this subscriber. */
  timeZone: string;
}

export const reportSubscribers = entityStore<ReportSubscriber>(reportKeys.subscriberType, 'report subscriber');

const META = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type'];
const strip = (item: Item): ReportRecord => {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!META.includes(k)) out[k] = v;
  return out as unknown as ReportRecord;
};

export async function getReport(id: string): Promise<ReportRecord | undefined> {
  const r = await guard('get report', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: reportKeys.report(id) })),
  );
  return r.Item ? strip(r.Item) : undefined;
}

/** Write the record: the first one, or the next revision of the one read (conditional on it). */
export async function putReport(
  record: Omit<ReportRecord, 'revision'>,
  previous?: ReportRecord,
): Promise<ReportRecord> {
  const revision = (previous?.revision ?? 0) + 1;
  const item = { ...record, revision };
  try {
    await guard('put report', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...reportKeys.report(record.id),
            gsi1pk: reportKeys.list(),
            gsi1sk: reportKeys.listSort(record.month, record.id),
            type: REPORT_ENTITY.report,
            ...item,
          },
          ConditionExpression: previous ? 'revision = :r' : 'attribute_not_exists(pk)',
          ExpressionAttributeValues: previous ? { ':r': previous.revision } : undefined,
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new ReportRaceError(record.id);
    throw err;
  }
  return item;
}

/** Another run wrote the same report between our read and our write. */
export class ReportRaceError extends Error {
  override readonly name = 'ReportRaceError';
  constructor(id: string) {
    super(`Report ${id} was written by another run meanwhile.`);
  }
}

export async function listReports(limit: number, cursor?: string, month?: string): Promise<Page<ReportRecord>> {
  const page = await queryPage({
    what: 'list reports',
    index: 'gsi1',
    pk: reportKeys.list(),
    ...(month ? { skPrefix: `${month}#` } : {}),
    newestFirst: true,
    limit,
    cursor,
  });
  return { items: page.items.map(strip), nextCursor: page.nextCursor };
}

/** Claim one delivery; false when it was claimed before (already sent, or being sent). */
export async function claimDelivery(id: string, digest: string, channel: string, at: string): Promise<boolean> {
  try {
    await guard('claim report delivery', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...reportKeys.delivery(id, digest, channel),
            type: REPORT_ENTITY.delivery,
            reportId: id,
            channel,
            at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** Give a claim back when its send failed, so the retry sends it. */
export async function releaseDelivery(id: string, digest: string, channel: string): Promise<void> {
  await guard('release report delivery', () =>
    documentClient().send(new DeleteCommand({ TableName: tableName(), Key: reportKeys.delivery(id, digest, channel) })),
  );
}
