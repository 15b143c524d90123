// npm run ra — revenue assurance from the command line (issue 12 §3/§4), for operators and for
// checking the engine on real files. The same partition code as a stored run.
//
//   npm run ra -- reconcile --billing <file> --network <file> [--config <json|file>] [--out <dir>] [--json]
//                [--billing-mapping <json|file>] [--network-mapping <json|file>] [--workers auto|<n>]
//   npm run ra -- backtest --volumes <file> [--config <json|file>] [--json]
//   npm run ra -- backtest --api <url> --token <t> [--from <day>] [--to <day>] [--series <s>] [--config …]
//   npm run ra -- volumes export --api <url> --token <t> [--from <day>] [--to <day>] [--series <s>] [--out <file>]
//
// volumes export writes the stored daily volumes (GET /ra/volumes, every page) as JSON Lines
// {"period","series","volume","source"}: the format backtest --volumes reads, so an operator can
// keep, edit and backtest what the anomaly control judged. backtest --api reads them directly.
//
// reconcile prints one JSON line (counts per class, then money, leakage and bad lines) and, with
// --out, writes <out>/findings.csv (one row per record not matched exactly) and, when some lines
// were bad, <out>/errors.csv. On a terminal it shows progress on stderr; with --json or when stdout
// is not a terminal, only the JSON line. Exit codes: 0 done, 1 failed, 2 bad usage or config.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { FINDING_CLASSES, reconcileConfigSchema } from '../shared/domain/revenue';
import { anomalyConfigSchema, backtestVolumes, type VolumePoint } from '../shared/domain/revenue/anomalies';
import { FINDINGS_HEADER, findingRow } from '../shared/domain/revenue/findings-csv';
import { reconcileUsageFiles, type RunProgress } from '../shared/adapters/usage-file-run';
import { usageMappingSchema } from '../shared/adapters/usage-files';
import { forEachStoredDay, readVolumeFile, type StoredVolumesQuery } from '../shared/adapters/usage-volumes';

class UsageError extends Error {}

const FLAGS = new Set(['json', 'help']);

function parseArgs(argv: string[]): { command?: string; sub?: string; opts: Map<string, string> } {
  const opts = new Map<string, string>();
  let command: string | undefined;
  let sub: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (FLAGS.has(name)) opts.set(name, 'true');
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        opts.set(name, v);
        i++;
      }
    } else if (command === undefined) command = a;
    else if (command === 'volumes' && sub === undefined) sub = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  return { command, sub, opts };
}

/** A JSON option: inline (starting with `{`) or the path of a JSON file; checked by its schema. */
function jsonOption<S extends z.ZodType>(opts: Map<string, string>, name: string, schema: S): z.infer<S> {
  const raw = opts.get(name);
  let value: unknown = {};
  if (raw !== undefined) {
    const text = raw.trimStart().startsWith('{') ? raw : readFileSync(raw, 'utf8');
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(`--${name} is not valid JSON`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${name}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

function requiredFile(opts: Map<string, string>, name: string): string {
  const p = opts.get(name);
  if (p === undefined) throw new UsageError(`--${name} <file> is required`);
  if (!existsSync(p)) throw new UsageError(`--${name}: no such file: ${p}`);
  return p;
}

const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export { FINDINGS_HEADER };

function progressLine(p: RunProgress): string {
  const left = p.fraction > 0.02 ? Math.max(0, (p.elapsedMs * (1 - p.fraction)) / p.fraction / 1000) : undefined;
  return (
    `records read ${p.recordsRead.toLocaleString('en')} · partitions ${p.partitionsDone}/${p.partitions}` +
    ` · ${left === undefined ? 'estimating' : `${left.toFixed(left < 10 ? 1 : 0)} s left`}`
  );
}

async function reconcile(opts: Map<string, string>): Promise<void> {
  const billing = requiredFile(opts, 'billing');
  const network = requiredFile(opts, 'network');
  const config = jsonOption(opts, 'config', reconcileConfigSchema);
  const billingMapping = jsonOption(opts, 'billing-mapping', usageMappingSchema);
  const networkMapping = jsonOption(opts, 'network-mapping', usageMappingSchema);
  const out = opts.get('out');
  const w = opts.get('workers') ?? 'auto';
  const workers = w === 'auto' ? w : Number(w);
  if (workers !== 'auto' && (!Number.isInteger(workers) || workers < 0 || workers > 16))
    throw new UsageError('--workers must be auto or 0 to 16');
  const tty = process.stdout.isTTY === true && !opts.has('json');

  let fd: number | undefined;
  let pending: string[] = [];
  const flush = () => {
    if (fd !== undefined && pending.length > 0) writeSync(fd, pending.join('\n') + '\n');
    pending = [];
  };
  if (out !== undefined) {
    mkdirSync(out, { recursive: true });
    fd = openSync(path.join(out, 'findings.csv'), 'w');
    writeSync(fd, FINDINGS_HEADER + '\n');
  }
  try {
    const run = await reconcileUsageFiles({
      billing: { path: billing, mapping: billingMapping },
      network: { path: network, mapping: networkMapping },
      config,
      workers,
      onPartition: (result) => {
        if (fd === undefined) return;
        for (const f of result.findings) pending.push(findingRow(f));
        flush();
      },
      onProgress: tty ? (p) => process.stderr.write(`\r${progressLine(p)}\x1b[K`) : undefined,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    const badLines = run.errors.billing.count + run.errors.network.count;
    if (out !== undefined && badLines > 0) {
      const rows = ['side,line,reason'];
      for (const side of ['billing', 'network'] as const) {
        for (const e of run.errors[side].errors) rows.push(`${side},${e.line},${csvCell(e.reason)}`);
      }
      const efd = openSync(path.join(out, 'errors.csv'), 'w');
      writeSync(efd, rows.join('\n') + '\n');
      closeSync(efd);
    }
    const s = run.summary;
    const counts = Object.fromEntries(FINDING_CLASSES.map((c) => [c, s.counts[c]]));
    process.stdout.write(
      JSON.stringify({
        ...counts,
        money: s.money,
        billingRevenue: s.billingRevenue,
        leakage: s.leakage,
        leakagePct: s.leakagePct,
        records: s.records,
        filtered: s.filtered,
        badLines: { billing: run.errors.billing.count, network: run.errors.network.count },
        partitions: s.partitions,
        elapsedMs: Math.round(run.timings.totalMs),
      }) + '\n',
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function backtest(opts: Map<string, string>): Promise<void> {
  const config = jsonOption(opts, 'config', anomalyConfigSchema);
  if (opts.has('api') === opts.has('volumes')) throw new UsageError('give either --volumes <file> or --api <url>');
  if (opts.has('api')) {
    const volumes: VolumePoint[] = [];
    const days = await forEachStoredDay(apiOptions(opts), (d) => volumes.push(...d.volumes));
    const report = backtestVolumes(volumes, config);
    process.stdout.write(JSON.stringify({ ...report, source: { api: opts.get('api'), ...days } }) + '\n');
    return;
  }
  const file = requiredFile(opts, 'volumes');
  const { volumes, errors } = await readVolumeFile(file);
  const report = backtestVolumes(volumes, config);
  process.stdout.write(JSON.stringify({ ...report, badLines: errors.length, errors: errors.slice(0, 20) }) + '\n');
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** --api, --token and the filters of GET /ra/volumes, checked before any request. */
function apiOptions(opts: Map<string, string>): StoredVolumesQuery {
  const api = opts.get('api');
  const token = opts.get('token') ?? process.env.NOCTURNE_TOKEN;
  if (!api) throw new UsageError('--api <url> is required (the ops API, e.g. http://localhost:3000)');
  if (!/^https?:\/\//.test(api)) throw new UsageError(`--api: ${api} is not an http(s) URL`);
  if (!token) throw new UsageError('--token <bearer token> is required (or NOCTURNE_TOKEN)');
  for (const name of ['from', 'to'])
    if (opts.has(name) && !DAY.test(opts.get(name)!)) throw new UsageError(`--${name} is not a day (YYYY-MM-DD)`);
  return { api, token, from: opts.get('from'), to: opts.get('to'), series: opts.get('series') };
}

async function volumesExport(opts: Map<string, string>): Promise<void> {
  const q = apiOptions(opts);
  const out = opts.get('out');
  const fd = out === undefined ? 1 : openSync(out, 'w');
  let points = 0;
  try {
    const days = await forEachStoredDay(q, (d) => {
      const lines = d.volumes.map((v) =>
        JSON.stringify({ period: v.period, series: v.series, volume: v.volume, source: d.source }),
      );
      if (lines.length) writeSync(fd, lines.join('\n') + '\n');
      points += lines.length;
    });
    process.stderr.write(
      `ra: exported ${points} volumes of ${days.days} days (${days.fromRuns} from runs, ${days.fromHistory} from imported history)${out ? ` to ${out}` : ''}\n`,
    );
  } finally {
    if (fd !== 1) closeSync(fd);
  }
}

const USAGE = `usage:
  npm run ra -- reconcile --billing <file> --network <file> [--config <json|file>] [--out <dir>] [--json]
                          [--billing-mapping <json|file>] [--network-mapping <json|file>] [--workers auto|<n>]
  npm run ra -- backtest --volumes <file> [--config <json|file>]
  npm run ra -- backtest --api <url> --token <t> [--from <day>] [--to <day>] [--series <s>] [--config <json|file>]
  npm run ra -- volumes export --api <url> --token <t> [--from <day>] [--to <day>] [--series <s>] [--out <file>]`;

async function main(): Promise<number> {
  try {
    const { command, sub, opts } = parseArgs(process.argv.slice(2));
    if (opts.has('help') || command === undefined) {
      console.log(USAGE);
      return command === undefined && !opts.has('help') ? 2 : 0;
    }
    if (command === 'reconcile') await reconcile(opts);
    else if (command === 'backtest') await backtest(opts);
    else if (command === 'volumes' && sub === 'export') await volumesExport(opts);
    else if (command === 'volumes')
      throw new UsageError(`volumes: unknown or missing subcommand '${sub ?? ''}' (export)`);
    else throw new UsageError(`unknown command '${command}'`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`ra: ${err.message}\n${USAGE}`);
      return 2;
    }
    console.error(`ra: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
