// The catalog's types: what a function, its triggers, a state machine and a feature file declare.
// infra/catalog.ts assembles the feature files (infra/catalog/<feature>.ts) into THE catalog.
import type { TopicName } from '../../shared/adapters/notifier';
import type { Role } from '../../shared/http/auth';
import type { TableDefinition } from '../../shared/store/table-definition';

export type { Role };
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpTrigger {
  kind: 'http';
  method: HttpMethod;
  /** API Gateway route path, with {param} placeholders. */
  path: string;
  /** jwt: ops route behind the JWT authorizer (role checked in the handler); token: webhook
   * authenticated by the integration token in the handler; public: no authentication. */
  auth: 'jwt' | 'token' | 'public';
  /** Least role the handler requires (documentation and tests; enforced in the handler). */
  role?: Role;
}

export interface ScheduleTrigger {
  kind: 'schedule';
  /** EventBridge expression: rate(1 minute) or cron(0/5 * * * ? *). */
  expression: string;
}

export interface EventTrigger {
  kind: 'event';
  /** EventBridge event pattern on the Nocturne bus. */
  pattern: { source?: string[]; 'detail-type'?: string[]; detail?: Record<string, unknown> };
}

export interface TableStreamTrigger {
  kind: 'tableStream';
  batchSize: number;
  /**
   * Only records whose new image's `type` is one of these reach the function; the others are consumed
   * without an invocation (AWS: the event source mapping's filter on `dynamodb.NewImage.type.S`; local:
   * the poller's own check). Without it, every record (deletes included).
   */
  itemTypes?: readonly string[];
}

/** Email to the deployment's inbound domain (CDK context or stack prop `inboundEmailDomain`). In AWS
 * an SES receipt rule stores each raw message in the inbound-email bucket under `prefix`, then
 * invokes the function (Event) with the SES event; the function may read only that prefix and gets
 * INBOUND_EMAIL_BUCKET and INBOUND_EMAIL_PREFIX. The local runtime has no SES: there, raw messages
 * reach the function through its HTTP route (e.g. POST /inbound-email). */
export interface InboundEmailTrigger {
  kind: 'inboundEmail';
  /** S3 key prefix for the raw messages, ending in "/"; one per function, none inside another. */
  prefix: string;
}

/** The dead letters of every asynchronously triggered function, handed to this function to be redriven
 * (docs/decisions/0009). In AWS: an SQS event source (batches of 1, partial failures) on each function's
 * async DLQ; after DEAD_LETTER_MAX_RECEIVES receives a message moves to the parked queue, which alarms.
 * The local runtime serves it with its own replay of dlq.jsonl (infra/local/dead-letters.ts). */
export interface DeadLettersTrigger {
  kind: 'deadLetters';
}

/** Once per release, after it is in place: the data migrations a release needs (shared/store/migrations.ts).
 * In AWS a CDK Trigger invokes the function (Event, payload `{}`) at the end of every deployment that
 * changes the function's code or configuration, after the table and every other catalog function
 * are updated, so new code is live before data moves; a failure retries, dead-letters and alarms
 * like any async invocation and does not roll the deployment back. The local runtime invokes it
 * (payload `{}`) when it starts, before it serves anything or seeds the demo. */
export interface DeployTrigger {
  kind: 'deploy';
}

export type Trigger =
  | HttpTrigger
  | ScheduleTrigger
  | EventTrigger
  | TableStreamTrigger
  | InboundEmailTrigger
  | DeadLettersTrigger
  | DeployTrigger;

/** Triggers that invoke the function asynchronously (retries, then its async dead-letter queue). */
export function isAsyncTrigger(t: Trigger): boolean {
  return t.kind === 'schedule' || t.kind === 'event' || t.kind === 'inboundEmail' || t.kind === 'deploy';
}

export type { TopicName };

export interface FunctionDefinition {
  /** kebab-case; also the folder under functions/. */
  name: string;
  /** The catalog feature that declares it (infra/catalog/<feature>.ts), set by infra/catalog.ts; in AWS,
   * the nested stack that holds it (infra/aws/feature-stack.ts). */
  feature?: string;
  description: string;
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  triggers: Trigger[];
  /** Access to the main table and the idempotency table. */
  table?: 'read' | 'readwrite';
  idempotencyTable?: 'readwrite';
  /** May put events on the Nocturne bus. */
  publishEvents?: boolean;
  /** SNS topics it may publish to. */
  topics?: TopicName[];
  /** May answer Step Functions task tokens of any machine: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. */
  stepFunctionsCallbacks?: true;
  /** What it may do with catalog state machines (by name); see StateMachineAccess. */
  stateMachines?: StateMachineAccess;
  /** Catalog buckets (by name) it may read, or read and write; BUCKET_<NAME> carries each one's name. */
  buckets?: Record<string, BucketAccess>;
  /** Catalog keys (by name) it may use for envelope encryption; KMS_KEY_<NAME> carries each one's id. */
  keys?: Record<string, KeyAccess>;
  /** Extra environment (non-secret, static). */
  environment?: Record<string, string>;
  /** Deployment values it reads, set by each runtime (see FUNCTION_NEEDS). */
  needs?: FunctionNeed[];
  /**
   * Sends e-mail through SES. In AWS, when the deployment names a verified sender (context
   * `reportsEmailFrom`), the function gets REPORTS_EMAIL_FROM and ses:SendEmail/SendRawEmail on that
   * identity (the address and its domain) only; without a sender it sends none. The local runtime
   * has no SES: such functions deliver on the notifications topic.
   */
  sendsEmail?: true;
}

/**
 * Values that exist only once deployed, as the environment variable each one fills. publicBaseUrl:
 * where people reach the HTTP API (links in pages and notifications). actLinkSecret: HMAC
 * secret(s) of signed page links, comma-separated, the first signs (shared/app/oncall/page-links.ts). In AWS
 * the stack sets them only on functions that declare them; the local runtime gives every handler
 * its own URL and, with NOCTURNE_RUNTIME=local, links.ts falls back to a development secret.
 * ocsConfig: the charging system's {"baseUrl","apiKey"} as JSON (Secrets Manager in AWS; locally
 * the OCS simulator's). webhookSigningSecret: HMAC key(s) of the webhook driver, comma-separated,
 * the first signs (shared/adapters/drivers/webhook.ts; locally a development secret).
 */
export const FUNCTION_NEEDS = {
  publicBaseUrl: 'PUBLIC_BASE_URL',
  actLinkSecret: 'ACT_LINK_SECRET',
  ocsConfig: 'OCS_CONFIG',
  webhookSigningSecret: 'WEBHOOK_SIGNING_SECRET',
} as const;
export type FunctionNeed = keyof typeof FUNCTION_NEEDS;

/**
 * A function's access to catalog state machines, by machine name. start: states:StartExecution on
 * exactly those machines, and STATE_MACHINE_ARN_<NAME> in its environment (stateMachineEnvName);
 * read: DescribeExecution, GetExecutionHistory, ListExecutions; redrive: RedriveExecution; stop:
 * StopExecution; callbacks: answer those machines' task tokens (SendTaskSuccess/Failure/Heartbeat).
 */
export interface StateMachineAccess {
  start?: string[];
  read?: string[];
  redrive?: string[];
  stop?: string[];
  callbacks?: string[];
}

/**
 * What a function or state machine may do with a catalog bucket. 'read': list and get every object;
 * 'readwrite': also put and delete them. Or per key prefix (the narrower grant, for code that keeps
 * to its own folders): `{ read: ['config/'], readwrite: ['runs/'] }` may list and get under each
 * prefix of either list (ListBucket only with an s3:prefix under them) and put and delete under the
 * readwrite ones. A prefix is literal (no `*` or `?`), non-empty, and does not start with `/`.
 * Both runtimes read it: IAM statements in AWS (infra/aws/buckets.ts), the S3 grant check locally
 * (infra/local/runtime.ts and the Distributed Map's S3); see infra/catalog/bucket-access.ts.
 */
export type BucketAccess = 'read' | 'readwrite' | BucketPrefixAccess;
export interface BucketPrefixAccess {
  read?: string[];
  readwrite?: string[];
}
/** encrypt: new data keys (kms:GenerateDataKey); decrypt: open them (kms:Decrypt); both: either. */
export type KeyAccess = 'encrypt' | 'decrypt' | 'both';

/**
 * An S3 bucket. AWS: encrypted with a KMS key of its own, SSL only, public access blocked, server
 * access logs, objects expiring after expireDays. Locally: a bucket of the runtime's S3 API (s3rver),
 * its objects under the data dir. Both runtimes read this declaration.
 */
export interface BucketDefinition {
  /** kebab-case, 3 to 40 characters; BUCKET_<NAME> carries the bucket's physical name. */
  name: string;
  description: string;
  /** Objects are deleted this many days after they were written (none: kept). */
  expireDays?: number;
}

/**
 * A key for envelope encryption (shared/adapters/envelope.ts): a customer-managed KMS key with
 * yearly rotation in AWS; locally a 256-bit key file under the data dir. KMS_KEY_<NAME> carries the
 * key's id (the key ARN in AWS, `local:<name>` locally).
 */
export interface KeyDefinition {
  /** kebab-case. */
  name: string;
  description: string;
}

export interface TopicDefinition {
  name: TopicName;
  displayName: string;
}

/**
 * A Step Functions state machine (Amazon States Language file under state-machines/, JSONPath). Its
 * ${Substitutions} name catalog functions; each runtime fills in the function's ARN (CDK) or maps the
 * Task to the local handler (local runtime).
 */
export interface StateMachineDefinition {
  /** kebab-case; also the file name state-machines/<name>.asl.json. */
  name: string;
  /** The catalog feature that declares it, set by infra/catalog.ts; in AWS, the nested stack that holds it. */
  feature?: string;
  description: string;
  /** Relative to the project root: state-machines/<name>.asl.json. */
  definitionFile: string;
  type: 'STANDARD';
  /** ${Name} in the definition → the catalog function it stands for (its ARN in both runtimes). The
   * machine's role may invoke only these functions. */
  substitutions: Record<string, { function: string }>;
  /** Execution timeout (the definition's own top-level TimeoutSeconds wins when it sets one). */
  timeoutSeconds?: number;
  /** Catalog buckets its own states touch (a Distributed Map's ItemReader reads, its ResultWriter writes). */
  buckets?: Record<string, BucketAccess>;
}

/** One feature's part of the catalog (infra/catalog/<feature>.ts), assembled in infra/catalog.ts. */
export interface CatalogFeature {
  /** kebab-case, the file name under infra/catalog/. */
  name: string;
  functions: FunctionDefinition[];
  stateMachines: StateMachineDefinition[];
  buckets?: BucketDefinition[];
  keys?: KeyDefinition[];
}

export interface Catalog {
  tables: { main: TableDefinition; idempotency: TableDefinition };
  busName: string;
  topics: TopicDefinition[];
  functions: FunctionDefinition[];
  stateMachines: StateMachineDefinition[];
  buckets: BucketDefinition[];
  keys: KeyDefinition[];
  /** API-wide throttling, applied by API Gateway and emulated by the local HTTP server. */
  throttle: { rateLimit: number; burstLimit: number; webhookRateLimit: number; webhookBurstLimit: number };
}
