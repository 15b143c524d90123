// The cron engine for recurring maintenance windows, loaded on first need (issue 15, decision 0011):
// cron-parser with the luxon it brings is ~100 KB minified, and most services have no recurring
// window, so most containers never load it. Where maintenance windows are loaded (the engine, the
// status page) their schedules are compiled here before the pure evaluation runs, once per
// schedule and warm container; a request that stores a recurring window has its cron checked here.
import { ValidationError } from '../../domain/errors';
import {
  cronIssue,
  uncompiledSchedules,
  useSchedules,
  type CreateMaintenance,
  type CronCompiler,
  type MaintenanceWindow,
} from '../../domain/incidents/maintenance';

let engine: Promise<CronCompiler> | undefined;

/** cron-parser, imported once (a failed import is tried again on the next call). */
function cronEngine(): Promise<CronCompiler> {
  engine ??= import('cron-parser').then(
    ({ CronExpressionParser }): CronCompiler =>
      (cron, tz) => {
        CronExpressionParser.parse(cron, { tz }); // throws on an expression or zone it cannot run
        return {
          // The most recent start at or before `atMs` (cron-parser's prev() is exclusive of currentDate).
          lastStartAtOrBefore: (atMs) =>
            CronExpressionParser.parse(cron, { currentDate: new Date(atMs + 1000), tz })
              .prev()
              .getTime(),
        };
      },
    (err: unknown) => {
      engine = undefined;
      throw err;
    },
  );
  return engine;
}

/** Compile the recurring windows' schedules not compiled yet, so that the domain can evaluate them. */
export async function prepareMaintenance(windows: MaintenanceWindow[]): Promise<void> {
  if (uncompiledSchedules(windows).length) useSchedules(windows, await cronEngine());
}

/** 422 naming `cron` when a recurring window's expression cannot run in its time zone. */
export async function requireValidCron(w: CreateMaintenance): Promise<void> {
  if (w.kind !== 'recurring') return;
  const issue = cronIssue(w, await cronEngine());
  if (issue) throw new ValidationError('The request body is not valid.', [{ field: 'cron', message: issue }]);
}
