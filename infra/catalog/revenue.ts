// Revenue assurance (issue 12, docs/revenue-assurance.md): usage files of both sides (our billing /
// mediation and the MNO) arrive in the RA bucket, envelope-encrypted with the RA key, and are
// reconciled per period.
import type { CatalogFeature } from './types';

/** The RA bucket: inbox/ (files as partners deliver them), partitions, results and outbox/ (extracts). */
export const RA_BUCKET = 'ra-files';
/** The key that wraps each RA file's data key (envelope encryption, shared/adapters/envelope.ts). */
export const RA_KEY = 'ra';

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
      buckets: { [RA_BUCKET]: 'readwrite' },
      keys: { [RA_KEY]: 'both' },
      triggers: [{ kind: 'schedule', expression: 'rate(5 minutes)' }],
    },
    {
      name: 'ra-extract',
      description:
        "RA Extract daemon (to generic format): every 15 minutes, writes each partner's findings (results/<period>/findings.csv) to the RA bucket outbox/<partner>/, envelope-encrypted; reports each run to the job registry.",
      entry: 'functions/ra-extract/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 120,
      table: 'readwrite',
      buckets: { [RA_BUCKET]: 'readwrite' },
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
      buckets: { [RA_BUCKET]: 'readwrite' },
      keys: { [RA_KEY]: 'both' },
      triggers: [{ kind: 'schedule', expression: 'rate(15 minutes)' }],
    },
  ],
  stateMachines: [],
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
