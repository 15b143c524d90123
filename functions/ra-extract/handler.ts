// Lambda entry for the RA Extract daemon (see infra/catalog/revenue.ts: "ra-extract"): every 15
// minutes, write each partner's findings to the RA bucket's outbox/ (shared/app/revenue/extract.ts).
// The scheduled event's time is the run's "now".
import type { ScheduledEvent } from 'aws-lambda';
import { keyIdOf } from '../../shared/adapters/envelope';
import { bucketName } from '../../shared/adapters/s3';
import { extractResults, type ExtractRunResult } from '../../shared/app/revenue/extract';
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = lambdaHandler(async (event: Partial<ScheduledEvent>): Promise<ExtractRunResult> => {
  const now = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const r = await extractResults({ bucket: bucketName('ra-files'), keyId: keyIdOf('ra'), now });
  if (r.written.length) logger.info('RA extract', { written: r.written, processed: r.processed, errored: r.errored });
  return r;
});
