// The Extract daemon ("To Generic Format", issue 12 §1): every 15 minutes it writes each partner's
// result files under outbox/<partner>/, sealed with the envelope format. A period's result is the
// findings of its current stored run, read from the store (so a re-run that replaced the period's
// run is what goes out, never the replaced run: a run that stops being current while its findings
// are read is left for the next pass); a period without a stored run may still be sent from an
// operator's results/<period>/findings.csv (the CLI's findings.csv header; plain or sealed with the
// RA key). A partner is configured by config/partners/<partner>.json (which classes it receives,
// and the least |value| worth sending). Each (partner, period) is written once per source: a
// manifest under extracts/<partner>/<period>.json holds the run id (or the file's sha256), so a
// rerun changes nothing and a re-run period's new findings go out again.
// Each run is reported to the job registry (processed = finding rows read, errored = bad rows).
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { openEnvelope, readEnvelopeHeader, sealEnvelope } from '../../adapters/envelope';
import { getObjectBytes, listObjects, ObjectNotFoundError, putObject } from '../../adapters/s3';
import { splitCsvLine } from '../../adapters/usage-files';
import { raKeys } from '../../domain/revenue/files';
import { FINDINGS_HEADER, findingRow } from '../../domain/revenue/findings-csv';
import { FINDING_CLASSES } from '../../domain/revenue/types';
import { currentRuns, getPeriod, listFindings } from '../../store/revenue';
import { daemonJob, reportDaemonRun } from './daemon-jobs';

export const EXTRACT_JOB = daemonJob({
  id: 'ra-extract',
  name: 'RA Extract (to generic format)',
  type: 'Extract',
  activity:
    "Writes each partner's reconciliation findings (each period's current run; results/<period>/findings.csv for a period without one) to the RA bucket outbox/<partner>/, envelope-encrypted, as configured in config/partners/<partner>.json.",
  everyMinutes: 15,
});

export { FINDINGS_HEADER };
const RESULT_KEY = /^results\/(\d{4}-\d{2}-\d{2})\/findings\.csv$/;
const PARTNER_KEY = /^config\/partners\/([a-z0-9][a-z0-9-]{0,62})\.json$/;

export const partnerSchema = z
  .object({
    /** The finding classes the partner receives (default: all but within_tolerance). */
    classes: z
      .array(z.enum(FINDING_CLASSES))
      .min(1)
      .default(['quantity_mismatch', 'missing_in_billing', 'missing_at_network', 'duplicate', 'rating_error']),
    /** Findings worth less than this (|value|) are left out. */
    minAbsValue: z.number().min(0).default(0),
  })
  .strict();
export type Partner = z.infer<typeof partnerSchema>;

export interface ExtractContext {
  bucket: string;
  keyId: string;
  now: Date;
  /** Reads a page of a run's findings (the store's; a test may interleave a re-run with it). */
  listFindings?: typeof listFindings;
}

export interface ExtractOutcome {
  partner: string;
  period: string;
  /** The stored run whose findings were written (absent: an operator's results file). */
  runId?: string;
  key: string;
  rows: number;
  errored: number;
}

export interface ExtractRunResult {
  written: ExtractOutcome[];
  unchanged: number;
  /** Periods whose current run changed while its findings were read: the next pass writes them. */
  moved: string[];
  processed: number;
  errored: number;
  job?: { status: string; errorLevel: string };
}

interface ExtractManifest {
  partner: string;
  period: string;
  runId?: string;
  sourceSha256: string;
  key: string;
  rows: number;
  errored: number;
  writtenAt: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function getOptional(bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    return await getObjectBytes(bucket, key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

async function partners(bucket: string): Promise<Map<string, Partner>> {
  const out = new Map<string, Partner>();
  for (const o of await listObjects(bucket, 'config/partners/')) {
    const m = PARTNER_KEY.exec(o.key);
    if (!m) continue;
    let raw: unknown;
    try {
      raw = JSON.parse((await getObjectBytes(bucket, o.key)).toString('utf8'));
    } catch {
      throw new Error(`s3 ${o.key} is not valid JSON`);
    }
    const r = partnerSchema.safeParse(raw);
    if (!r.success)
      throw new Error(
        `s3 ${o.key}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    out.set(m[1]!, r.data);
  }
  return out;
}

/** A findings CSV's rows for one partner; a row that is not a finding is counted as errored. */
export function selectFindingRows(text: string, partner: Partner): { rows: string[]; read: number; errored: number } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.replace(/^\uFEFF/, '').trim() !== FINDINGS_HEADER)
    return { rows: [], read: Math.max(0, lines.length - 1), errored: Math.max(1, lines.length - 1) };
  const classes = new Set<string>(partner.classes);
  const rows: string[] = [];
  let errored = 0;
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line, ',');
    const value = Number(cells?.[6]);
    if (
      !cells ||
      cells.length !== 7 ||
      !cells[0] ||
      !(FINDING_CLASSES as readonly string[]).includes(cells[1]!) ||
      !Number.isFinite(value)
    ) {
      errored++;
      continue;
    }
    if (classes.has(cells[1]!) && Math.abs(value) >= partner.minAbsValue) rows.push(line);
  }
  return { rows, read: lines.length - 1, errored };
}

/**
 * The findings of a period's current run as findings.csv text; undefined when the period's current
 * run is no longer `runId` once they are read (a re-run replaced it and may have deleted some of
 * them meanwhile: the replacement deletes only after it became current, so this check sees it).
 */
async function storedFindings(
  period: string,
  runId: string,
  list: typeof listFindings = listFindings,
): Promise<string | undefined> {
  const rows = [FINDINGS_HEADER];
  let cursor: string | undefined;
  do {
    const page = await list(runId, {}, { limit: 1000, cursor });
    for (const f of page.items) rows.push(findingRow(f));
    cursor = page.nextCursor;
  } while (cursor);
  if ((await getPeriod(period))?.runId !== runId) return undefined;
  return `${rows.join('\n')}\n`;
}

interface Source {
  period: string;
  /** The period's current stored run. */
  runId?: string;
  /** An operator's results/<period>/findings.csv (a period without a stored run). */
  key?: string;
}

async function sources(bucket: string): Promise<Source[]> {
  const runs = await currentRuns();
  const stored = new Set(runs.map((r) => r.period));
  const files = (await listObjects(bucket, 'results/')).flatMap((o) => {
    const m = RESULT_KEY.exec(o.key);
    return m && !stored.has(m[1]!) ? [{ period: m[1]!, key: o.key }] : [];
  });
  return [...runs, ...files].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

/** One run of the daemon: every (partner, period) whose findings changed since its last extract. */
export async function extractResults(ctx: ExtractContext): Promise<ExtractRunResult> {
  const written: ExtractOutcome[] = [];
  const moved: string[] = [];
  let unchanged = 0;
  let processed = 0;
  let errored = 0;
  try {
    const configured = await partners(ctx.bucket);
    for (const src of configured.size > 0 ? await sources(ctx.bucket) : []) {
      let text: string | undefined;
      let digest = '';
      for (const [name, partner] of configured) {
        const manifestKey = `extracts/${name}/${src.period}.json`;
        const raw = await getOptional(ctx.bucket, manifestKey);
        const previous = raw ? (JSON.parse(raw.toString('utf8')) as ExtractManifest) : undefined;
        if (src.runId && previous?.runId === src.runId) {
          unchanged++;
          continue;
        }
        if (text === undefined) {
          if (src.runId) {
            text = await storedFindings(src.period, src.runId, ctx.listFindings);
            if (text === undefined) {
              moved.push(src.period);
              break;
            }
          } else {
            const source = await getObjectBytes(ctx.bucket, src.key!);
            text = (isEnvelope(source) ? await openEnvelope(source, { expectedKeyId: ctx.keyId }) : source).toString(
              'utf8',
            );
          }
          digest = sha256(Buffer.from(text));
        }
        if (!src.runId && previous && !previous.runId && previous.sourceSha256 === digest) {
          unchanged++;
          continue;
        }
        const selected = selectFindingRows(text, partner);
        const key = raKeys.outbox(name, `findings-${src.period}.csv`);
        const body = `${[FINDINGS_HEADER, ...selected.rows].join('\n')}\n`;
        await putObject(ctx.bucket, key, await sealEnvelope(Buffer.from(body), ctx.keyId));
        const manifest: ExtractManifest = {
          partner: name,
          period: src.period,
          ...(src.runId ? { runId: src.runId } : {}),
          sourceSha256: digest,
          key,
          rows: selected.rows.length,
          errored: selected.errored,
          writtenAt: ctx.now.toISOString(),
        };
        await putObject(ctx.bucket, manifestKey, JSON.stringify(manifest), 'application/json');
        written.push({
          partner: name,
          period: src.period,
          ...(src.runId ? { runId: src.runId } : {}),
          key,
          rows: selected.rows.length,
          errored: selected.errored,
        });
        processed += selected.read;
        errored += selected.errored;
      }
    }
  } catch (err) {
    await reportDaemonRun(
      EXTRACT_JOB,
      { kind: 'fail', processed: 0, errored: 0, log: (err as Error).message },
      ctx.now,
    );
    throw err;
  }
  const log = [
    ...written.map((w) => `wrote ${w.key}: ${w.rows} findings${w.errored ? `, ${w.errored} bad rows` : ''}`),
    ...moved.map((p) => `${p}: its current run changed while read; next pass`),
  ];
  const job = await reportDaemonRun(
    EXTRACT_JOB,
    { kind: 'success', processed, errored, log: log.join('\n') || undefined },
    ctx.now,
  );
  return { written, unchanged, moved, processed, errored, job };
}

function isEnvelope(b: Buffer): boolean {
  try {
    readEnvelopeHeader(b);
    return true;
  } catch {
    return false;
  }
}
