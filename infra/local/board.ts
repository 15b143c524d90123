// The board in the local runtime: built from web/ in memory at the first request (esbuild,
// infra/web/build.ts) and served at /board/ (`/` redirects there), with the security headers
// the CloudFront distribution sets in AWS. config.json tells the SPA to sign in with ops tokens.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildBoard, type BoardFile } from '../web/build';

export const BOARD_PATH = '/board/';

/** The headers CloudFront's response headers policy adds (infra/aws), so the board is tested under them. */
export const BOARD_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https:",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

export class LocalBoard {
  private files?: Promise<Map<string, BoardFile>>;

  /** Whether this request is for the board (everything else goes to the API gateway). */
  handles(req: IncomingMessage): boolean {
    const p = (req.url ?? '/').split('?')[0]!;
    return (req.method === 'GET' || req.method === 'HEAD') && (p === '/' || p === '/board' || p.startsWith(BOARD_PATH));
  }

  /** Start building now (at start-up) rather than at the first request. */
  warm(): Promise<unknown> {
    return this.load().catch(() => undefined);
  }

  private load() {
    this.files ??= buildBoard({ minify: true }).catch((err: unknown) => {
      this.files = undefined;
      throw err;
    });
    return this.files;
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = (req.url ?? '/').split('?')[0]!;
    if (p === '/' || p === '/board') {
      res.writeHead(302, { location: BOARD_PATH });
      res.end();
      return;
    }
    const name = p.slice(BOARD_PATH.length) || 'index.html';
    if (name === 'config.json') return send(res, req, 200, 'application/json', Buffer.from('{"auth":"token"}'));
    let files: Map<string, BoardFile>;
    try {
      files = await this.load();
    } catch (err) {
      return send(
        res,
        req,
        500,
        'text/plain; charset=utf-8',
        Buffer.from(`The board does not build: ${(err as Error).message}`),
      );
    }
    const f = files.get(name);
    if (!f) return send(res, req, 404, 'text/plain; charset=utf-8', Buffer.from('Not found'));
    send(res, req, 200, f.contentType, f.body, 'no-cache');
  }
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  type: string,
  body: Buffer,
  cache = 'no-store',
) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': cache,
    'content-length': body.length,
    ...BOARD_SECURITY_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
