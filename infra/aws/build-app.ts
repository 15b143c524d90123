// Builds the CDK app (one stack) with cdk-nag's AWS Solutions checks. infra/aws/app.ts synthesizes
// it for the CLI; test/infra builds it in-process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Catalog } from '../catalog';
import { PROJECT_ROOT } from './catalog-function';
import { NocturneStack } from './nocturne-stack';

export interface BuildAppOptions {
  /** @default infra/catalog.ts */
  catalog?: Catalog;
  /** Bundle handlers with esbuild. @default true */
  bundle?: boolean;
  /** Run cdk-nag's AwsSolutionsChecks at synthesis. @default true */
  nag?: boolean;
  env?: Environment;
  outdir?: string;
  context?: Record<string, unknown>;
}

export const STACK_ID = 'Nocturne';

/** cdk.json's context (feature flags...), so in-process synthesis matches `cdk synth`. */
function cdkJsonContext(): Record<string, unknown> {
  const file = path.join(PROJECT_ROOT, 'cdk.json');
  return fs.existsSync(file)
    ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {})
    : {};
}

export function buildApp(opts: BuildAppOptions = {}): { app: App; stack: NocturneStack } {
  const app = new App({ outdir: opts.outdir, context: { ...cdkJsonContext(), ...opts.context } });
  const stack = new NocturneStack(app, STACK_ID, {
    description: 'Nocturne: serverless NOC (alerts, incidents, paging, tickets, probes)',
    catalog: opts.catalog,
    bundle: opts.bundle,
    env: opts.env,
  });
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
