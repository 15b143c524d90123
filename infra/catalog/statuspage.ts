// The public status page: updates posted from incidents, and the page (JSON, HTML, Atom) without sign-in.
import { statusPageOperations } from '../../shared/api/operations/statuspage';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const statusPageFeature: CatalogFeature = {
  name: 'statuspage',
  functions: [
    {
      name: 'status-page',
      description:
        'Public status page: status updates from incidents (to stakeholder subscribers too) and the page as Statuspage v2 JSON, HTML and Atom.',
      entry: 'functions/status-page/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      topics: ['stakeholders'],
      needs: ['publicBaseUrl'],
      triggers: httpRoutes(statusPageOperations),
    },
  ],
  stateMachines: [],
};
