// Builds the board (web/) with esbuild: one JS bundle, one CSS file, index.html. Used by the
// local runtime (in memory, at its first request for the board) and by `npm run build:web`
// (to dist/web/, which the CDK app deploys to the site bucket). Build output is never committed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export const WEB_DIR = path.resolve(__dirname, '..', '..', 'web');

export interface BoardFile {
  contentType: string;
  body: Buffer;
}

export async function buildBoard(opts: { minify?: boolean } = {}): Promise<Map<string, BoardFile>> {
  const result = await build({
    entryPoints: { main: path.join(WEB_DIR, 'src', 'main.tsx') },
    bundle: true,
    write: false,
    outdir: '/board',
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: path.join(WEB_DIR, 'tsconfig.json'),
  });
  const files = new Map<string, BoardFile>();
  for (const f of result.outputFiles) {
    const name = path.basename(f.path);
    files.set(name, { contentType: contentTypeOf(name), body: Buffer.from(f.contents) });
  }
  files.set('index.html', {
    contentType: 'text/html; charset=utf-8',
    body: readFileSync(path.join(WEB_DIR, 'index.html')),
  });
  return files;
}

export function contentTypeOf(name: string): string {
  if (name.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (name.endsWith('.css')) return 'text/css; charset=utf-8';
  if (name.endsWith('.html')) return 'text/html; charset=utf-8';
  if (name.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}
