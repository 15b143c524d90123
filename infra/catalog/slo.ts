// Service level objectives: error budgets and multiwindow burn-rate alerts (docs/slo.md,
// docs/decisions/0040-slo-burn-rate-alerts.md).
import { sloOperations } from '../../shared/api/operations/slo';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const sloFeature: CatalogFeature = {
  name: 'slo',
  functions: [
    {
      name: 'ops-slo',
      description: 'Ops API: SLOs (CRUD), their status, history and pushed good/total counts per minute.',
      entry: 'functions/ops-slo/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 15,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(sloOperations),
    },
    {
      name: 'slo-evaluator',
      description:
        'Every minute: evaluates every SLO (budget, burn rates), aligns its page alert (built-in integration nocturne-slo) and opens or resolves its slow-burn ticket.',
      entry: 'functions/slo-evaluator/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 55,
      table: 'readwrite',
      triggers: [{ kind: 'schedule', expression: 'rate(1 minute)' }],
    },
  ],
  stateMachines: [],
};
