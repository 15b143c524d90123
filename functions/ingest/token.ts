// Where a webhook sender may put its integration token: senders differ in what they can set.
import type { HttpRequest } from '../../shared/http/api';

export function presentedToken(req: HttpRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return req.headers['x-nocturne-token'] ?? req.query.token ?? undefined;
}

export function mediaType(req: HttpRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
