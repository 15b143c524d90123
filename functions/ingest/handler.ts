// Lambda entry for alert ingestion (see infra/catalog.ts: function "ingest").
import { httpApi } from '../../shared/http/api';
import { enqueuePagerDuty, receiveWebhook } from './ingest';

export const handler = httpApi({
  'POST /hooks/{integrationId}': { handler: receiveWebhook },
  'POST /v2/enqueue': { handler: enqueuePagerDuty },
});
