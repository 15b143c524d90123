// Running one check: the network side of a probe. HTTP(S) with node:http(s) (a fresh connection
// each time, so latency and the certificate are real), TCP connect with node:net, DNS with a
// c-ares resolver pointed at the probe's resolver. Every check ends by its timeout; none throws.
// Whether the answer is good is decided by shared/domain/probes/expectations.ts.
import { Resolver } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { DnsProbeSpec, HttpProbeSpec, ProbeSpec, TcpProbeSpec } from '../domain/probes/definitions';
import { dnsProblem, httpProblem } from '../domain/probes/expectations';
import { parseResolver } from '../domain/probes/resolver';
import type { CheckResult } from '../domain/probes/probe-state';

/** Bodies an expectation reads are kept up to this many bytes (enough for a health document); others are not kept. */
export const MAX_BODY_BYTES = 1024 * 1024;
const USER_AGENT = 'Nocturne-Probe/1.0';

export type Clock = () => Date;

export function runCheck(spec: ProbeSpec, clock: Clock = () => new Date()): Promise<CheckResult> {
  switch (spec.kind) {
    case 'http':
      return checkHttp(spec, clock);
    case 'tcp':
      return checkTcp(spec, clock);
    case 'dns':
      return checkDns(spec, clock);
  }
}

const elapsed = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e6);

/** A short reason for a network error, as an operator would say it. */
export function describeError(err: NodeJS.ErrnoException, timeoutMs: number): string {
  const code = err.code ?? '';
  const map: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed (temporary)',
    CERT_HAS_EXPIRED: 'TLS: certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
    SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in chain',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the certificate',
    ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
    ETIMEOUT: `timeout after ${timeoutMs} ms`,
    ETIMEDOUT: `timeout after ${timeoutMs} ms`,
    PROBE_TIMEOUT: `timeout after ${timeoutMs} ms`,
  };
  return map[code] ?? (code ? `${code}: ${err.message}` : err.message);
}

/** Whether judging the answer reads its body (a text or JSON path expectation). */
export const needsBody = (spec: Pick<HttpProbeSpec, 'bodyContains' | 'jsonPath'>): boolean =>
  spec.bodyContains !== undefined || spec.jsonPath !== undefined;

class ProbeTimeoutError extends Error {
  readonly code = 'PROBE_TIMEOUT';
}

export function checkHttp(spec: HttpProbeSpec, clock: Clock = () => new Date()): Promise<CheckResult> {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const at = clock().toISOString();
  const t0 = process.hrtime.bigint();
  const url = new URL(spec.url);
  const secure = url.protocol === 'https:';
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    let certificateValidTo: string | undefined;
    let certificateSubject: string | undefined;
    const finish = (r: Omit<CheckResult, 'at'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ at, ...r, ...(certificateValidTo ? { certificateValidTo, certificateSubject } : {}) });
    };
    const options: https.RequestOptions = {
      method: spec.method,
      headers: {
        'user-agent': USER_AGENT,
        ...spec.headers,
        ...(spec.body !== undefined ? { 'content-length': Buffer.byteLength(spec.body) } : {}),
      },
      agent: false,
    };
    if (secure) {
      options.rejectUnauthorized = spec.tls.verify;
      if (spec.tls.ca) options.ca = [...tls.rootCertificates, spec.tls.ca];
    }
    const req = (secure ? https : http).request(url, options, (res) => {
      // The body is kept only when an expectation reads it; otherwise it streams through and is dropped.
      const keep = needsBody(spec);
      const chunks: Buffer[] = [];
      let size = 0;
      const complete = () => {
        const latencyMs = elapsed(t0);
        const body = keep ? Buffer.concat(chunks).toString('utf8') : '';
        const problem = httpProblem(spec, { statusCode: res.statusCode ?? 0, body, latencyMs });
        finish({
          ok: problem === undefined,
          reason: problem ?? `status ${res.statusCode}`,
          latencyMs,
          statusCode: res.statusCode,
        });
      };
      res.on('data', (c: Buffer) => {
        if (!keep || size >= MAX_BODY_BYTES) return;
        chunks.push(c);
        size += c.length;
        if (size >= MAX_BODY_BYTES) complete();
      });
      res.on('end', complete);
      res.on('error', (err) =>
        finish({
          ok: false,
          reason: describeError(err, timeoutMs),
          latencyMs: elapsed(t0),
          statusCode: res.statusCode,
        }),
      );
    });
    req.on('socket', (socket) => {
      if (!secure) return;
      socket.once('secureConnect', () => {
        const cert = (socket as tls.TLSSocket).getPeerCertificate();
        if (cert?.valid_to) {
          certificateValidTo = new Date(cert.valid_to).toISOString();
          certificateSubject = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: describeError(err, timeoutMs), latencyMs: elapsed(t0) }),
    );
    const timer = setTimeout(() => {
      req.destroy(new ProbeTimeoutError('timeout'));
      finish({ ok: false, reason: `timeout after ${timeoutMs} ms`, latencyMs: elapsed(t0) });
    }, timeoutMs);
    req.end(spec.body);
  });
}

export function checkTcp(spec: TcpProbeSpec, clock: Clock = () => new Date()): Promise<CheckResult> {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const at = clock().toISOString();
  const t0 = process.hrtime.bigint();
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    const socket = net.connect({ host: spec.host, port: spec.port });
    const finish = (r: Omit<CheckResult, 'at'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ at, ...r });
    };
    socket.once('connect', () =>
      finish({ ok: true, reason: `connected to ${spec.host}:${spec.port}`, latencyMs: elapsed(t0) }),
    );
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: describeError(err, timeoutMs), latencyMs: elapsed(t0) }),
    );
    const timer = setTimeout(
      () => finish({ ok: false, reason: `timeout after ${timeoutMs} ms`, latencyMs: elapsed(t0) }),
      timeoutMs,
    );
  });
}

async function resolveAnswers(resolver: Resolver, spec: DnsProbeSpec): Promise<string[]> {
  const name = spec.hostname;
  switch (spec.recordType) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'NS':
      return resolver.resolveNs(name);
    case 'MX':
      return (await resolver.resolveMx(name)).map((m) => `${m.priority} ${m.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  }
}

export async function checkDns(spec: DnsProbeSpec, clock: Clock = () => new Date()): Promise<CheckResult> {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const at = clock().toISOString();
  const t0 = process.hrtime.bigint();
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (spec.resolver) {
    const r = parseResolver(spec.resolver)!;
    resolver.setServers([net.isIPv6(r.host) ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`]);
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      resolver.cancel();
      reject(Object.assign(new Error('timeout'), { code: 'PROBE_TIMEOUT' }));
    }, timeoutMs + 250);
  });
  try {
    const answers = await Promise.race([resolveAnswers(resolver, spec), deadline]);
    const problem = dnsProblem(spec, answers);
    return {
      at,
      ok: problem === undefined,
      reason: problem ?? `${spec.recordType} ${spec.hostname}: ${answers.slice(0, 3).join(', ')}`,
      latencyMs: elapsed(t0),
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOTFOUND' || e.code === 'ENODATA'
        ? `no ${spec.recordType} record for ${spec.hostname} (${e.code})`
        : e.code === 'ECONNREFUSED'
          ? 'resolver refused the connection'
          : e.code === 'ECANCELLED'
            ? `timeout after ${timeoutMs} ms`
            : describeError(e, timeoutMs);
    return { at, ok: false, reason, latencyMs: elapsed(t0) };
  } finally {
    clearTimeout(timer);
  }
}
