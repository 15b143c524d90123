// Decision 0090: moves older alerts' and incidents' index keys from gsi1/gsi2 to the keys-only
// gsi3/gsi4 (shared/store/migrations.ts) and records the migration as applied (running it again is harmless).
//
//   TABLE_NAME=<main table> npx tsx scripts/backfill-hot-indexes.ts   (AWS credentials and region
//   from the environment; AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local)
// The data-migrations function applies it (and every other pending migration) by itself: at the end
// of the deployment in AWS (its deploy trigger), on start in the local runtime. This script is the
// same by hand; it prints how many items it moved.
import { tableName } from '../shared/store/client';
import { runMigration } from '../shared/store/migrations';

runMigration('0090-hot-indexes', new Date()).then(
  (applied) => console.log(JSON.stringify({ table: tableName(), ...applied })),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
