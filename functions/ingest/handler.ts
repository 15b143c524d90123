// Lambda entry for alert ingestion (see infra/catalog.ts: function "ingest").
import { ingestOperations } from '../../shared/api/operations/ingest';
import { httpApi } from '../../shared/http/api';
import { enqueuePagerDuty, receiveWebhook } from './ingest';

export const handler = httpApi(ingestOperations, {
  'POST /hooks/{integrationId}': receiveWebhook,
  'POST /v2/enqueue': enqueuePagerDuty,
});
