// Helpers the normalizers share to read untrusted values: times, strings, labels, links,
// severities and bounded copies of free-form details. Only `looseFields` throws (a ValidationError).
import type { AlertSeverity, CanonicalAlert } from '../alert';
import { ValidationError } from '../errors';

type Link = CanonicalAlert['links'][number];

/** Most alerts any single request may carry; more is a 422 naming the field. */
export const MAX_ALERTS_PER_REQUEST = 500;
export const MAX_SUMMARY = 1024;
export const MAX_LABELS = 100;
export const MAX_LABEL_KEY = 256;
export const MAX_LABEL_VALUE = 1024;
export const MAX_LINKS = 50;

// Earliest instant we accept as a real time: Go's zero time (0001-01-01), epoch 0 and other
// "unset" placeholders fall before it and read as "no time".
const MIN_TIME_MS = Date.UTC(1970, 0, 2);
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A time from a monitor as an ISO 8601 UTC string, or undefined when absent or unusable.
 * Accepts RFC 3339 / ISO 8601 (any fraction length, `+0000`, `+00:00`, `Z`, or no zone = UTC)
 * and epoch numbers or numeric strings (seconds, or milliseconds when large).
 */
export function toIsoTime(value: unknown): string | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = epochToMs(value);
  else if (typeof value === 'string') {
    const s = value.trim();
    if (s.length > 64) return undefined;
    if (/^\d{1,16}(\.\d+)?$/.test(s)) ms = epochToMs(Number(s));
    else ms = parseIsoLike(s);
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) return undefined;
  return new Date(ms).toISOString();
}

function epochToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  // 1e11 seconds is the year 5138; anything larger is milliseconds.
  return n >= 1e11 ? Math.trunc(n) : Math.trunc(n * 1000);
}

function parseIsoLike(s: string): number | undefined {
  const m = ISO_LIKE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec = '00', frac = '', zone = 'Z'] = m;
  let offset = 'Z';
  if (/^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  const ms = (frac + '000').slice(0, 3);
  const parsed = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}.${ms}${offset}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A non-empty trimmed string from a string or number, else undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? undefined : t;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** The first of the values that reads as a non-empty string. */
export function firstText(...values: unknown[]): string | undefined {
  for (const v of values) {
    const t = text(v);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** A summary that satisfies the canonical schema: one line of at most 1024 characters, never empty. */
export function summaryOf(candidate: string | undefined, fallback: string): string {
  const s = (candidate ?? '').replace(/\s+/g, ' ').trim();
  const chosen = s === '' ? fallback : s;
  return chosen.length <= MAX_SUMMARY ? chosen : `${chosen.slice(0, MAX_SUMMARY - 1)}…`;
}

export function bounded(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** Labels as a plain string map, bounded in count and length; prototype-polluting keys dropped. */
export function cleanLabels(entries: Iterable<[string, unknown]>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [rawKey, rawValue] of entries) {
    if (n >= MAX_LABELS) break;
    const key = rawKey.trim();
    if (key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const value = typeof rawValue === 'string' ? rawValue : text(rawValue);
    if (value === undefined) continue;
    const k = key.length <= MAX_LABEL_KEY ? key : key.slice(0, MAX_LABEL_KEY);
    if (!Object.hasOwn(out, k)) n++;
    out[k] = value.length <= MAX_LABEL_VALUE ? value : `${value.slice(0, MAX_LABEL_VALUE - 1)}…`;
  }
  return out;
}

/** A link when href is an absolute http(s) URL that fits the schema; anything else is dropped. */
export function link(href: unknown, linkText?: string): Link | undefined {
  const h = text(href);
  if (h === undefined || h.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(h);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const t = bounded(linkText?.trim(), 512);
  return t === undefined ? { href: h } : { href: h, text: t };
}

/** Defined links, first of each href kept, at most 50. */
export function links(...candidates: (Link | undefined)[]): Link[] {
  const seen = new Set<string>();
  const out: Link[] = [];
  for (const l of candidates) {
    if (!l || seen.has(l.href)) continue;
    seen.add(l.href);
    out.push(l);
    if (out.length >= MAX_LINKS) break;
  }
  return out;
}

const SEVERITY_WORDS: Record<string, AlertSeverity> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  emerg: 'critical',
  alert: 'critical',
  disaster: 'critical',
  page: 'critical',
  p1: 'critical',
  sev1: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  p2: 'error',
  sev2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  moderate: 'warning',
  minor: 'warning',
  average: 'warning',
  p3: 'warning',
  sev3: 'warning',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  debug: 'info',
  ok: 'info',
  p4: 'info',
  p5: 'info',
  sev4: 'info',
  sev5: 'info',
};

/** A severity word as monitors write it (critical, page, high, warn, low…), or undefined if unknown. */
export function severityFromWord(word: unknown): AlertSeverity | undefined {
  return lookup(SEVERITY_WORDS, text(word)?.toLowerCase());
}

/** table[key] for own keys only: monitor input like "constructor" or "__proto__" must not reach Object.prototype. */
export function lookup<V>(table: Record<string, V>, key: string | undefined): V | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

const MAX_DETAIL_DEPTH = 6;
const MAX_DETAIL_ENTRIES = 100;
const MAX_DETAIL_STRING = 4096;

/**
 * A bounded copy of free-form data for `details`: strings cut at 4096 characters, at most 100
 * entries per object or array, nesting below 6 levels replaced by a marker. Keeps stored items
 * small and makes later recursive walks (marshalling, JSON) safe on hostile input.
 */
export function clip(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string')
    return value.length <= MAX_DETAIL_STRING ? value : `${value.slice(0, MAX_DETAIL_STRING - 1)}…`;
  if (typeof value !== 'object') return undefined;
  if (depth >= MAX_DETAIL_DEPTH) return '[nested too deeply]';
  if (Array.isArray(value)) return value.slice(0, MAX_DETAIL_ENTRIES).map((v) => clip(v, depth + 1) ?? null);
  return clipRecord(value as Record<string, unknown>, depth);
}

/** `clip` for an object, returning a record (what `details` must be). */
export function clipRecord(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    if (n++ >= MAX_DETAIL_ENTRIES) break;
    if (k === '__proto__') continue;
    const c = clip(v, depth + 1);
    if (c !== undefined) out[k.length <= MAX_LABEL_KEY ? k : k.slice(0, MAX_LABEL_KEY)] = c;
  }
  return out;
}

/** Details without undefined entries, every value clipped. */
export function details(entries: Record<string, unknown>): Record<string, unknown> {
  return clipRecord(Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== '')), -1);
}

/** Field names compared loosely: case, `$`, `_`, `-`, `.` and spaces ignored (`$AGGREG_KEY` = `aggreg_key`). */
export function looseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The fields of a user-templated payload (Datadog, Nagios) by loose name. Nested objects one
 * level deep are flattened (`org.id` reads as `orgid`). The first spelling of a name wins.
 * Throws a ValidationError when the payload is not an object.
 */
export function looseFields(
  value: unknown,
  what: string,
  rename: (key: string) => string = (k) => k,
): Map<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(`The ${what} payload is not valid.`, [
      { field: '', message: 'Expected an object of fields.' },
    ]);
  }
  const out = new Map<string, unknown>();
  const put = (k: string, v: unknown) => {
    const key = rename(looseKey(k));
    if (key !== '' && !out.has(key)) out.set(key, v);
  };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) put(`${k}${k2}`, v2);
    } else put(k, v);
  }
  return out;
}
