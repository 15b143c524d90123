// Balance reconciliation after a bill-cycle change (issue 12 §2, seed 004). After each bill-cycle
// change the OCS exports its balances (spend caps and allowances per subscriber) to the RA bucket
// under balances/<cycle>/<file> (sealed with the RA key); every 15 minutes `ra-balance` takes each
// such file it has not reconciled yet, compares it with what our catalog sells each active
// customer (shared/app/provisioning chargingPlanOf: the plan's and live add-ons' allowances, the
// plan's spend cap; the subscriber is the customer id), and writes the findings and a summary
// under results/balance/<cycle>/. Findings raise an alert through `nocturne-ra` (one per cycle,
// resolved by a later clean file of that cycle) and open one ticket in the RA ticket category; the
// clean file resolves that ticket too (with a comment naming the file), before the alert.
// A file that does not open (tampered, wrongly keyed) is refused whole with an alert.
import { createHash } from 'node:crypto';
import { EnvelopeError, openEnvelope, sealEnvelope } from '../../adapters/envelope';
import { getObjectBytes, listObjects, ObjectNotFoundError, putObject } from '../../adapters/s3';
import type { CanonicalAlert } from '../../domain/alert';
import { ValidationError } from '../../domain/errors';
import { RA_SERVICE } from '../../domain/revenue/alerts';
import {
  balancesOfPlan,
  DEFAULT_BALANCE_CONFIG,
  parseBalanceFile,
  reconcileBalances,
  type BalanceClass,
  type BalanceConfig,
  type BalanceFinding,
  type BalanceRecord,
} from '../../domain/revenue/balance';
import { logger } from '../../observability/logger';
import { listCustomers, listRealms } from '../../store/customers';
import { DuplicateMessageError } from '../../store/tickets';
import { chargingPlanOf } from '../provisioning/customers';
import { openTicket } from '../tickets/commands';
import { liveRaAlert, sendRaAlerts } from './alerts';
import { raTicketCategory, resolveViolationTicket } from './controls';

const BALANCE_KEY = /^balances\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9][A-Za-z0-9._-]{0,199})$/;

export const balanceKeys = {
  summary: (cycle: string, file: string) => `results/balance/${cycle}/${file}.json`,
  findings: (cycle: string, file: string) => `results/balance/${cycle}/${file}.findings.csv`,
};
export const balanceAlertKey = (cycle: string) => `ra:balance:${cycle}`;
export const BALANCE_FINDINGS_HEADER = 'subscriber,bucket,class,ours,ocs,unit,difference,reason';

export interface BalanceSummary {
  cycle: string;
  file: string;
  sha256: string;
  status: 'reconciled' | 'rejected';
  counts?: Record<BalanceClass, number>;
  subscribers?: { ours: number; ocs: number };
  badLines?: number;
  /** The first 100 bad lines of the OCS file. */
  errors?: Array<{ line: number; reason: string }>;
  findingsKey?: string;
  reason?: string;
  ticket?: { id: string; number: number };
  /** The ticket of the cycle's earlier mismatch that this clean file resolved. */
  resolvedTicket?: { id: string; outcome: 'resolved' | 'not-open' | 'missing' };
  reconciledAt: string;
}

export interface BalanceContext {
  bucket: string;
  keyId: string;
  now: Date;
  config?: BalanceConfig;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

async function getOptional(bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    return await getObjectBytes(bucket, key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

/** What we sell every active customer, as balance records (subscriber = customer id). */
export async function ourBalances(): Promise<BalanceRecord[]> {
  const out: BalanceRecord[] = [];
  let realmCursor: string | undefined;
  do {
    const realms = await listRealms(100, realmCursor);
    for (const realm of realms.items) {
      let cursor: string | undefined;
      do {
        const page = await listCustomers(realm.id, { limit: 100, cursor });
        for (const c of page.items) {
          if (c.status !== 'active') continue;
          const plan = await chargingPlanOf(c.id);
          if (plan) out.push(...balancesOfPlan(c.id, plan));
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    realmCursor = realms.nextCursor;
  } while (realmCursor);
  return out;
}

function findingsCsv(findings: BalanceFinding[]): string {
  const rows = findings.map((f) =>
    [
      csvCell(f.subscriber),
      f.bucket,
      f.class,
      f.ours ?? '',
      f.ocs ?? '',
      f.unit ?? '',
      f.difference ?? '',
      csvCell(f.reason),
    ].join(','),
  );
  return `${[BALANCE_FINDINGS_HEADER, ...rows].join('\n')}\n`;
}

function cycleAlert(cycle: string, file: string, summary: string, details: Record<string, unknown>, at: string) {
  return {
    source: 'generic',
    dedupKey: balanceAlertKey(cycle),
    status: 'firing',
    action: 'trigger',
    severity: 'warning',
    summary: summary.slice(0, 1024),
    details: { cycle, file, ...details },
    labels: { alertname: 'RA balance mismatch', ra: 'balance', cycle, service: RA_SERVICE },
    service: RA_SERVICE,
    resource: `ra-balance:${cycle}`,
    startsAt: at,
    links: [],
  } satisfies CanonicalAlert;
}

async function openBalanceTicket(
  s: BalanceSummary,
  alertId: string,
  now: Date,
): Promise<{ id: string; number: number } | undefined> {
  const c = s.counts!;
  try {
    const t = await openTicket({
      input: {
        subject: `RA balance mismatch after the ${s.cycle} bill cycle: ${c.mismatch} mismatched, ${c.missing_ocs} missing at the OCS, ${c.missing_ours} not sold by us`,
        description: [
          `The OCS balance file balances/${s.cycle}/${s.file} does not agree with what our catalog sells.`,
          `Findings (subscriber, bucket, class, ours, ocs): s3 ${s.findingsKey} in the RA bucket (sealed with the RA key).`,
          'The alert resolves when a later OCS file of this cycle reconciles clean.',
        ].join('\n\n'),
        categoryId: raTicketCategory(),
        fields: {},
        watchers: [],
        links: [],
      },
      requester: { email: 'revenue-assurance@nocturne.local', name: 'Revenue assurance balance reconciliation' },
      source: 'api',
      actor: { type: 'system', id: 'ra-balance', name: 'Revenue assurance balance reconciliation' },
      now,
      extras: { dedupeKey: `ra-balance#${alertId}` },
    });
    return { id: t.id, number: t.number };
  } catch (err) {
    if (err instanceof DuplicateMessageError && err.ticketId) return { id: err.ticketId, number: 0 };
    if (err instanceof ValidationError) {
      // No RA ticket category configured: the alert still stands.
      logger.warn('RA balance ticket not opened', { cycle: s.cycle, reason: err.message });
      return undefined;
    }
    throw err;
  }
}

/** Reconciles one OCS balance file (see the module comment). */
export async function reconcileBalanceFile(
  ctx: BalanceContext,
  cycle: string,
  file: string,
  delivered: Buffer,
): Promise<BalanceSummary> {
  const at = ctx.now.toISOString();
  const digest = sha256(delivered);
  const summaryKey = balanceKeys.summary(cycle, file);
  let text: string;
  try {
    text = (await openEnvelope(delivered, { expectedKeyId: ctx.keyId })).toString('utf8');
  } catch (err) {
    if (!(err instanceof EnvelopeError)) throw err;
    const s: BalanceSummary = {
      cycle,
      file,
      sha256: digest,
      status: 'rejected',
      reason: err.message,
      reconciledAt: at,
    };
    await putObject(ctx.bucket, summaryKey, JSON.stringify(s), 'application/json');
    const alert: CanonicalAlert = {
      ...cycleAlert(cycle, file, `RA OCS balance file ${cycle}/${file} rejected: ${err.message}`, {}, at),
      dedupKey: `ra:balance-file:${cycle}/${file}`,
      severity: 'error',
      details: { cycle, file, reason: err.message },
      labels: { alertname: 'RA file rejected', ra: 'balance-file', cycle, file, service: RA_SERVICE },
    };
    await sendRaAlerts([alert], ctx.now);
    return s;
  }
  const ocs = parseBalanceFile(text);
  const result = reconcileBalances(await ourBalances(), ocs.records, ctx.config ?? DEFAULT_BALANCE_CONFIG);
  const findingsKey = balanceKeys.findings(cycle, file);
  await putObject(ctx.bucket, findingsKey, await sealEnvelope(Buffer.from(findingsCsv(result.findings)), ctx.keyId));
  const s: BalanceSummary = {
    cycle,
    file,
    sha256: digest,
    status: 'reconciled',
    counts: result.counts,
    subscribers: result.subscribers,
    badLines: ocs.errors.length,
    errors: ocs.errors.slice(0, 100),
    findingsKey,
    reconciledAt: at,
  };
  const live = await liveRaAlert(balanceAlertKey(cycle));
  if (result.findings.length > 0) {
    const c = result.counts;
    await sendRaAlerts(
      [
        cycleAlert(
          cycle,
          file,
          `RA balances after the ${cycle} bill cycle: ${c.mismatch} mismatched, ${c.missing_ocs} missing at the OCS, ${c.missing_ours} held by the OCS but not sold`,
          { counts: c, findingsKey },
          at,
        ),
      ],
      ctx.now,
    );
    const alert = await liveRaAlert(balanceAlertKey(cycle));
    if (alert) s.ticket = await openBalanceTicket(s, alert.id, ctx.now);
  } else if (live) {
    const resolved = await resolveViolationTicket(`ra-balance#${live.id}`, {
      body: `Resolved by the OCS balance file balances/${cycle}/${file}, reconciled at ${at}: all ${s.counts!.matched} subscriber buckets agree with what our catalog sells.`,
      actorId: 'ra-balance',
      actorName: 'Revenue assurance balance reconciliation',
      now: ctx.now,
    });
    if (resolved) s.resolvedTicket = { id: resolved.ticketId, outcome: resolved.outcome };
    await sendRaAlerts(
      [
        {
          ...cycleAlert(cycle, file, `RA balances after the ${cycle} bill cycle reconcile clean`, {}, live.startsAt),
          status: 'resolved',
          action: 'resolve',
          endsAt: at,
        },
      ],
      ctx.now,
    );
  }
  await putObject(ctx.bucket, summaryKey, JSON.stringify(s), 'application/json');
  return s;
}

/** One run: every balances/<cycle>/<file> whose summary is missing or was made from other bytes. */
export async function reconcileNewBalanceFiles(ctx: BalanceContext): Promise<BalanceSummary[]> {
  const out: BalanceSummary[] = [];
  for (const o of await listObjects(ctx.bucket, 'balances/')) {
    const m = BALANCE_KEY.exec(o.key);
    if (!m) continue;
    const [, cycle, file] = m as unknown as [string, string, string];
    const delivered = await getObjectBytes(ctx.bucket, o.key);
    const previous = await getOptional(ctx.bucket, balanceKeys.summary(cycle, file));
    if (previous && (JSON.parse(previous.toString('utf8')) as BalanceSummary).sha256 === sha256(delivered)) continue;
    out.push(await reconcileBalanceFile(ctx, cycle, file, delivered));
  }
  return out;
}
