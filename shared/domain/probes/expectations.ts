// Judging an answer against a probe's expectations: HTTP status, body text, a JSON path value,
// latency, DNS answers. Pure: the I/O side (shared/adapters/probe-checks) hands in what it saw.
import type { DnsProbeSpec, HttpProbeSpec } from './definitions';

export interface HttpObservation {
  statusCode: number;
  /** The body as text, possibly cut at the read limit. */
  body: string;
  latencyMs: number;
}

/** Undefined when the answer meets every expectation, else the first reason it does not. */
export function httpProblem(
  spec: Pick<HttpProbeSpec, 'expectedStatus' | 'bodyContains' | 'jsonPath' | 'latencyThresholdMs'>,
  seen: HttpObservation,
): string | undefined {
  const okStatus = spec.expectedStatus.length
    ? spec.expectedStatus.includes(seen.statusCode)
    : seen.statusCode >= 200 && seen.statusCode < 300;
  if (!okStatus)
    return `status ${seen.statusCode}, expected ${spec.expectedStatus.length ? spec.expectedStatus.join(' or ') : '2xx'}`;
  if (spec.bodyContains !== undefined && !seen.body.includes(spec.bodyContains))
    return `body does not contain ${JSON.stringify(spec.bodyContains)}`;
  if (spec.jsonPath) {
    let doc: unknown;
    try {
      doc = JSON.parse(seen.body);
    } catch {
      return `body is not JSON, expected ${spec.jsonPath.path} = ${JSON.stringify(spec.jsonPath.equals)}`;
    }
    const found = readJsonPath(doc, spec.jsonPath.path);
    if (!found.exists) return `${spec.jsonPath.path} is missing, expected ${JSON.stringify(spec.jsonPath.equals)}`;
    if (found.value !== spec.jsonPath.equals)
      return `${spec.jsonPath.path} is ${truncateJson(found.value)}, expected ${JSON.stringify(spec.jsonPath.equals)}`;
  }
  if (spec.latencyThresholdMs !== undefined && seen.latencyMs > spec.latencyThresholdMs)
    return `slow: answered in ${seen.latencyMs} ms, threshold ${spec.latencyThresholdMs} ms`;
  return undefined;
}

function truncateJson(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** The small JSON path subset probes use: `$`, `.name`, `[0]`, `["name with spaces"]`. */
export function readJsonPath(doc: unknown, path: string): { exists: boolean; value?: unknown } {
  const steps = [...path.slice(1).matchAll(/\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"]+)"\]/g)].map(
    (m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!),
  );
  let cur: unknown = doc;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return { exists: false };
      cur = cur[step];
    } else {
      if (
        cur === null ||
        typeof cur !== 'object' ||
        Array.isArray(cur) ||
        !Object.prototype.hasOwnProperty.call(cur, step)
      )
        return { exists: false };
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return { exists: true, value: cur };
}

/** Normalise a DNS answer for comparison: names are case-insensitive and lose the final dot. */
export function normaliseDnsAnswer(recordType: DnsProbeSpec['recordType'], answer: string): string {
  if (recordType === 'TXT') return answer;
  if (recordType === 'A') return answer.trim();
  if (recordType === 'AAAA') return answer.trim().toLowerCase();
  return answer.trim().toLowerCase().replace(/\.$/, '');
}

export function dnsProblem(
  spec: Pick<DnsProbeSpec, 'recordType' | 'expected' | 'hostname'>,
  answers: string[],
): string | undefined {
  if (answers.length === 0) return `no ${spec.recordType} record for ${spec.hostname}`;
  if (spec.expected === undefined) return undefined;
  const want = normaliseDnsAnswer(spec.recordType, spec.expected);
  // MX answers are "priority exchange"; accept the exchange alone too.
  const have = answers.map((a) => normaliseDnsAnswer(spec.recordType, a));
  const match = have.some((a) => a === want || (spec.recordType === 'MX' && a.split(' ')[1] === want));
  if (match) return undefined;
  const shown = have.slice(0, 5).join(', ') + (have.length > 5 ? ', …' : '');
  return `${spec.recordType} ${spec.hostname} answered ${shown}, expected ${spec.expected}`;
}
