// Lambda entry for the RA Load daemon (see infra/catalog/revenue.ts: "ra-load"): every five
// minutes, load the usage files delivered to the RA bucket's inbox/ (shared/app/revenue/load.ts).
// The scheduled event's time is the run's "now".
import type { ScheduledEvent } from 'aws-lambda';
import { keyIdOf } from '../../shared/adapters/envelope';
import { bucketName } from '../../shared/adapters/s3';
import { loadInbox, type LoadRunResult } from '../../shared/app/revenue/load';
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = lambdaHandler(async (event: Partial<ScheduledEvent>): Promise<LoadRunResult> => {
  const now = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const r = await loadInbox({ bucket: bucketName('ra-files'), keyId: keyIdOf('ra'), now });
  if (r.files.length) logger.info('RA load', { files: r.files, processed: r.processed, errored: r.errored });
  return r;
});
