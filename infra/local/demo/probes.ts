// Demo probes and jobs for `npm start`: the built-in alert integration, an HTTP probe of the
// local runtime's own OpenAPI document, a TCP probe of the DynamoDB endpoint standing in for the
// billing database, and two jobs with fixed ping keys so the printed curl lines stay valid
// across restarts. Seeding is create-if-missing.
import { ConflictError } from '../../../shared/domain/errors';
import { createJobSchema, createProbeSchema } from '../../../shared/domain/probes/definitions';
import { ensureProbesIntegration } from '../../../shared/app/probes/alert-sync';
import { createJob, pingPath } from '../../../shared/store/probe-jobs';
import { createProbe } from '../../../shared/store/probes';

export const DEMO_JOB_KEYS = {
  'demo-ocs-cdr-transmission': 'demo-ocs-cdr-transmission-ping-key',
  'demo-nightly-backup': 'demo-nightly-backup-ping-key-00000',
} as const;

const ignoreExisting = (err: unknown) => {
  if (!(err instanceof ConflictError)) throw err;
};

export async function seedProbeDemo(ctx: { now: string; log: (line: string) => void }): Promise<void> {
  const now = new Date(ctx.now);
  await ensureProbesIntegration(now);
  const base = process.env.PUBLIC_BASE_URL;
  if (base) {
    const spec = createProbeSchema.parse({
      id: 'demo-nocturne-openapi',
      kind: 'http',
      name: 'Nocturne OpenAPI document',
      url: `${base}/openapi.json`,
      // The document is large: look for its first field rather than parse it all.
      bodyContains: '"openapi":"3.1.0"',
      intervalMinutes: 1,
      service: 'billing-api',
      team: 'platform',
    });
    await createProbe({ ...spec, id: 'demo-nocturne-openapi' }, now).catch(ignoreExisting);
  }
  const ddb = process.env.AWS_ENDPOINT_URL_DYNAMODB ? new URL(process.env.AWS_ENDPOINT_URL_DYNAMODB) : undefined;
  if (ddb?.port) {
    const spec = createProbeSchema.parse({
      kind: 'tcp',
      name: 'Billing database port',
      host: ddb.hostname,
      port: Number(ddb.port),
      intervalMinutes: 1,
      service: 'billing-db',
      team: 'dba',
    });
    await createProbe({ ...spec, id: 'demo-billing-db-tcp' }, now).catch(ignoreExisting);
  }
  const jobs = [
    createJobSchema.parse({
      id: 'demo-ocs-cdr-transmission',
      name: 'OCS CDR transmission',
      type: 'Transmission',
      category: 'Rating',
      activity: 'Sends rated CDRs from the rating engine to the OCS adaptor every 15 minutes.',
      team: 'platform',
      service: 'ocs-adaptor',
      schedule: { kind: 'period', minutes: 15 },
      graceMinutes: 5,
      maxRunMinutes: 10,
      errorRatio: { warningPercent: 5, criticalPercent: 10, minVolume: 100, windowMinutes: 1440 },
    }),
    createJobSchema.parse({
      id: 'demo-nightly-backup',
      name: 'Nightly billing database backup',
      type: 'Backup',
      category: 'Backup',
      activity: 'Full backup of the billing database to object storage.',
      team: 'dba',
      service: 'billing-db',
      schedule: { kind: 'cron', expression: '0 2 * * *', timezone: 'Europe/Paris' },
      graceMinutes: 60,
      maxRunMinutes: 90,
    }),
  ];
  for (const j of jobs) {
    const key = DEMO_JOB_KEYS[j.id as keyof typeof DEMO_JOB_KEYS];
    await createJob({ ...j, id: j.id! }, key, now).catch(ignoreExisting);
    if (base)
      ctx.log(
        `[demo] job ${j.id}: curl -fsS -m 10 --retry 5 ${base}${pingPath(key)}  (also ${pingPath(key, 'start')}, ${pingPath(key, 'fail')})`,
      );
  }
}
