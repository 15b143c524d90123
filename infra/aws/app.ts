// CDK entry point (cdk.json: npx tsx infra/aws/app.ts).
import { buildApp } from './build-app';

const { app } = buildApp({
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
