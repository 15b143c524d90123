// `npm run build:web`: the board's static files into dist/web/ (git-ignored), or into the directory
// given as the first argument (the CDK app's asset bundling, infra/aws/board-site.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBoard } from '../infra/web/build';

async function main() {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : path.resolve(__dirname, '..', 'dist', 'web');
  if (!process.argv[2]) rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = await buildBoard({ minify: true });
  for (const [name, f] of files) {
    writeFileSync(path.join(out, name), f.body);
    console.log(`${path.relative(process.cwd(), path.join(out, name))}  ${(f.body.length / 1024).toFixed(1)} KiB`);
  }
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
