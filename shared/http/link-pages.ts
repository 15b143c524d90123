// What every signed link (a page's acknowledge/resolve link, a runbook approval link) shares: the
// token checked with its faults as 4xx problems, and the small HTML page it shows (GET: confirm,
// POST from a browser: done) with headers that keep it out of caches, indexes and frames.
import { ActLinkError } from '../domain/oncall/links';
import { escapeHtml } from '../domain/html';
import type { HttpRequest, HttpResult } from './api';
import { HttpProblem, PROBLEM_BASE, problem } from './problem';

/** Verify a link's token; a changed one is 403, an expired one 410, anything else not a link 400. */
export function verifiedLink<T>(verify: () => T): T {
  try {
    return verify();
  } catch (err) {
    if (!(err instanceof ActLinkError)) throw err;
    if (err.fault === 'expired')
      throw new HttpProblem(410, 'Link expired', err.message, { type: `${PROBLEM_BASE}link-expired` });
    if (err.fault === 'signature') throw problem(403, err.message);
    throw problem(400, err.message);
  }
}

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

export const htmlResult = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: HTML_HEADERS,
  body,
});

export const wantsHtml = (req: HttpRequest) => /text\/html/.test(req.headers.accept ?? '');

const BASE_CSS =
  'body{font-family:system-ui,sans-serif;margin:0;padding:2rem 1rem;background:#f5f5f7;color:#1d1d1f}main{max-width:32rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px #0002}\n' +
  'h1{font-size:1.3rem;margin-top:0}button{font-size:1.1rem;padding:.8rem 1.4rem;border:0;border-radius:8px;color:#fff;width:100%}.note{color:#666;font-size:.85rem}';

/** A link's page: `body` is HTML already escaped by the caller; `css` adds to the shared look. */
export function linkPage(title: string, body: string, css = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${css}</style>
</head><body><main>${body}</main></body></html>`;
}
