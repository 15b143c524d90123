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
  functions: [],
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
