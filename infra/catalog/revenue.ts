// Revenue assurance (issue 12, docs/revenue-assurance.md): usage files of both sides (our billing /
// mediation and the MNO) arrive in the RA bucket, envelope-encrypted with the RA key, and are
// reconciled per period.
import { revenueOperations } from '../../shared/api/operations/revenue';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

/** The RA bucket: inbox/ (files as partners deliver them), partitions, results and outbox/ (extracts). */
export const RA_BUCKET = 'ra-files';
/** The key that wraps each RA file's data key (envelope encryption, shared/adapters/envelope.ts). */
export const RA_KEY = 'ra';

/** A stored run of one period (docs/revenue-assurance.md, "Stored runs"). */
export const RA_MACHINE = 'ra-reconcile';

export const revenueFeature: CatalogFeature = {
  name: 'revenue',
  functions: [
    {
      name: 'ra-load',
      description:
        'RA Load daemon (from generic format): every 5 minutes, decrypts, validates and batches the usage files in the RA bucket inbox/; refuses tampered or wrongly keyed files whole (alert as nocturne-ra); reports each run to the job registry.',
      entry: 'functions/ra-load/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 300,
      table: 'readwrite',
      // Reads the inbox and the side's mapping; leaves batches, manifests, error logs, and the
      // delivered file under processed/ or rejected/ (docs/revenue-assurance.md, "Bucket layout").
      buckets: {
        [RA_BUCKET]: {
          read: ['config/mappings/'],
          readwrite: ['inbox/', 'batches/', 'loads/', 'errors/', 'processed/', 'rejected/'],
        },
      },
      keys: { [RA_KEY]: 'both' },
      triggers: [{ kind: 'schedule', expression: 'rate(5 minutes)' }],
    },
    {
      name: 'ra-extract',
      description:
        "RA Extract daemon: every 15 minutes, writes each period's current run's findings (or an operator's results/<period>/findings.csv) to outbox/<partner>/, envelope-encrypted; reports to the job registry.",
      entry: 'functions/ra-extract/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 120,
      table: 'readwrite',
      // Reads partner configuration and operators' result files; writes extracts and their manifests.
      buckets: { [RA_BUCKET]: { read: ['config/partners/', 'results/'], readwrite: ['outbox/', 'extracts/'] } },
      keys: { [RA_KEY]: 'both' },
      triggers: [{ kind: 'schedule', expression: 'rate(15 minutes)' }],
    },
    {
      name: 'ra-balance',
      description:
        'RA balance reconciliation (seed 004): every 15 minutes, compares each new OCS balance file of a bill cycle (balances/<cycle>/) with the spend caps and allowances we sell; findings under results/balance/, an alert as nocturne-ra and an RA ticket.',
      entry: 'functions/ra-balance/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 300,
      table: 'readwrite',
      // Reads the OCS balance files; writes its summaries and findings.
      buckets: { [RA_BUCKET]: { read: ['balances/'], readwrite: ['results/balance/'] } },
      keys: { [RA_KEY]: 'both' },
      triggers: [{ kind: 'schedule', expression: 'rate(15 minutes)' }],
    },
    {
      name: 'ops-revenue',
      description:
        'Revenue assurance API: start a period’s reconciliation run, runs with counts, money and controls, findings (filters, pages, CSV), settings.',
      entry: 'functions/ops-revenue/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 29,
      table: 'readwrite',
      stateMachines: { start: [RA_MACHINE] },
      triggers: httpRoutes(revenueOperations),
    },
    {
      name: 'ra-scheduler',
      description: 'Every day at 02:30 UTC: starts the reconciliation run of yesterday.',
      entry: 'functions/ra-scheduler/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      stateMachines: { start: [RA_MACHINE] },
      triggers: [{ kind: 'schedule', expression: 'cron(30 2 * * ? *)' }],
    },
    {
      name: 'ra-split',
      description:
        'ra-reconcile split: lists the batches Load finished for the period (op plan), cuts one batch into per-partition pieces as a Distributed Map item (op piece: envelope, RA key), merges the pieces’ results into the partition manifest (op collect).',
      entry: 'functions/ra-split/handler.ts',
      // One batch (Load's BATCH_RECORDS records) per invocation at most, never the whole period.
      memoryMb: 1024,
      timeoutSeconds: 300,
      table: 'readwrite',
      // Reads Load's manifests and batches; writes the run's split items, pieces and partition manifest.
      buckets: { [RA_BUCKET]: { read: ['loads/', 'batches/'], readwrite: ['runs/'] } },
      keys: { [RA_KEY]: 'decrypt' },
      triggers: [],
    },
    {
      name: 'ra-partition',
      description:
        'ra-reconcile Partitions map item: reconciles one partition (reconcilePartition over its pieces from every batch) and stores its findings.',
      entry: 'functions/ra-partition/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 300,
      table: 'readwrite',
      buckets: { [RA_BUCKET]: { read: ['runs/'] } },
      triggers: [],
    },
    {
      name: 'ra-summarize',
      description:
        'ra-reconcile Summarize: merges the partitions’ results, applies the RA controls (alerts as nocturne-ra, tickets), replaces the period’s findings; or cleans up a failed run.',
      entry: 'functions/ra-summarize/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 300,
      table: 'readwrite',
      // Reads the Map's results and deletes the run's objects when it ends.
      buckets: { [RA_BUCKET]: { readwrite: ['runs/'] } },
      triggers: [],
    },
  ],
  stateMachines: [
    {
      name: RA_MACHINE,
      description:
        'A reconciliation run of one period: a Distributed Map splitting its batches into partition pieces in parallel, a Distributed Map reconciling the partitions in parallel, summary and controls.',
      definitionFile: 'state-machines/ra-reconcile.asl.json',
      type: 'STANDARD',
      substitutions: {
        RaSplitFunctionArn: { function: 'ra-split' },
        RaPartitionFunctionArn: { function: 'ra-partition' },
        RaSummarizeFunctionArn: { function: 'ra-summarize' },
      },
      timeoutSeconds: 6 * 3600,
      // The Distributed Maps read the split items and the partition manifest and write their result files, all under runs/<runId>/.
      buckets: { [RA_BUCKET]: { readwrite: ['runs/'] } },
    },
  ],
  buckets: [
    {
      name: RA_BUCKET,
      description: 'Revenue assurance: usage files of both sides, their partitions, run results and extracts.',
      // Usage records are personal data: kept long enough to re-run a disputed period, no longer.
      expireDays: 400,
    },
  ],
  keys: [{ name: RA_KEY, description: 'Revenue assurance: wraps the data key of every usage and result file.' }],
};
