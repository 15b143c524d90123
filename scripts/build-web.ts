// `npm run build:web`: the board's static files into dist/web/ (git-ignored), for deployment.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBoard } from '../infra/web/build';

async function main() {
  const out = path.resolve(__dirname, '..', 'dist', 'web');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = await buildBoard({ minify: true });
  for (const [name, f] of files) {
    writeFileSync(path.join(out, name), f.body);
    console.log(`dist/web/${name}  ${(f.body.length / 1024).toFixed(1)} KiB`);
  }
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
