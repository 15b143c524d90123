// Lambda entry for the data migrations (see infra/catalog/platform.ts: "data-migrations"): run once
// per release by its deploy trigger (a CDK Trigger in AWS, the local runtime's start), it applies
// every migration not yet recorded as applied (shared/store/migrations.ts, decision 0090).
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { applyPendingMigrations, type AppliedMigration } from '../../shared/store/migrations';

export const handler = lambdaHandler(async (_event: unknown): Promise<{ applied: AppliedMigration[] }> => {
  const applied = await applyPendingMigrations(new Date());
  for (const m of applied)
    logger.info('data migration applied', { migration: m.id, moved: m.moved, skipped: m.skipped });
  return { applied };
});
