// EventBridge event-pattern matching, for the local bus's rules (and SNS filter policies, which
// use the same content filters on message attributes). Follows the EventBridge rules:
// - a pattern field holds an array of alternatives, or an object that matches a nested field;
// - an event field holding an array matches when any of its elements matches;
// - a missing field matches only `{ "exists": false }`;
// - content filters: exact values (type-sensitive: "5" is not 5), prefix, suffix,
//   anything-but (value, list, prefix, suffix, equals-ignore-case, wildcard), exists, numeric,
//   equals-ignore-case, wildcard, cidr (IPv4), and `$or` at any level.
// Pure: no I/O. See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html

export type EventPattern = { [key: string]: unknown };

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function wildcardToRegExp(pattern: string, flags = ''): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, `s${flags}`);
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function matchesCidr(value: unknown, cidr: unknown): boolean {
  if (typeof value !== 'string' || typeof cidr !== 'string') return false;
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  const a = ipv4ToInt(value);
  const b = ipv4ToInt(net ?? '');
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) === (b & mask);
}

function numericMatches(value: unknown, spec: unknown): boolean {
  if (typeof value !== 'number' || !Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof n !== 'number')
      throw new InvalidEventPatternError(`numeric: ${String(op)} needs a number, got ${JSON.stringify(n)}`);
    const ok =
      op === '='
        ? value === n
        : op === '<'
          ? value < n
          : op === '<='
            ? value <= n
            : op === '>'
              ? value > n
              : op === '>='
                ? value >= n
                : undefined;
    if (ok === undefined) throw new InvalidEventPatternError(`numeric: unknown operator ${JSON.stringify(op)}`);
    if (!ok) return false;
  }
  return true;
}

/** prefix/suffix/equals-ignore-case accept a string or `{ "equals-ignore-case": string }`. */
function stringTest(kind: 'prefix' | 'suffix', arg: unknown): (s: string) => boolean {
  if (typeof arg === 'string') return kind === 'prefix' ? (s) => s.startsWith(arg) : (s) => s.endsWith(arg);
  if (isPlainObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
    const lower = arg['equals-ignore-case'].toLowerCase();
    return kind === 'prefix' ? (s) => s.toLowerCase().startsWith(lower) : (s) => s.toLowerCase().endsWith(lower);
  }
  throw new InvalidEventPatternError(`${kind} needs a string, got ${JSON.stringify(arg)}`);
}

/** One content filter (an object inside a pattern's array) against one present leaf value. */
function filterMatches(filter: Record<string, unknown>, value: unknown): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1)
    throw new InvalidEventPatternError(`A content filter has exactly one key, got ${JSON.stringify(filter)}`);
  const key = keys[0]!;
  const arg = filter[key];
  switch (key) {
    case 'prefix':
    case 'suffix':
      return typeof value === 'string' && stringTest(key, arg)(value);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new InvalidEventPatternError('equals-ignore-case needs a string');
      return typeof value === 'string' && value.toLowerCase() === arg.toLowerCase();
    case 'wildcard':
      if (typeof arg !== 'string') throw new InvalidEventPatternError('wildcard needs a string');
      return typeof value === 'string' && wildcardToRegExp(arg).test(value);
    case 'numeric':
      return numericMatches(value, arg);
    case 'cidr':
      return matchesCidr(value, arg);
    case 'exists':
      // Reached only for a present value (absence is handled by the caller).
      return arg === true;
    case 'anything-but':
      return !anythingButExcludes(arg, value);
    default:
      throw new InvalidEventPatternError(`Unknown content filter ${JSON.stringify(key)}`);
  }
}

/** True when `value` is one of the things anything-but names. */
function anythingButExcludes(arg: unknown, value: unknown): boolean {
  if (Array.isArray(arg)) return arg.some((a) => anythingButExcludes(a, value));
  if (isPlainObject(arg)) {
    const [key, inner] = Object.entries(arg)[0] ?? [];
    if (key === 'prefix' || key === 'suffix') return typeof value === 'string' && stringTest(key, inner)(value);
    if (key === 'wildcard' && typeof inner === 'string')
      return typeof value === 'string' && wildcardToRegExp(inner).test(value);
    if (key === 'equals-ignore-case') {
      const list = Array.isArray(inner) ? inner : [inner];
      return (
        typeof value === 'string' && list.some((x) => typeof x === 'string' && x.toLowerCase() === value.toLowerCase())
      );
    }
    throw new InvalidEventPatternError(`anything-but does not take ${JSON.stringify(arg)}`);
  }
  return arg === value;
}

/** A pattern's array of alternatives against one field of the event (undefined = absent). */
function leafMatches(alternatives: unknown[], value: unknown): boolean {
  if (value === undefined) return alternatives.some((a) => isPlainObject(a) && a.exists === false);
  if (Array.isArray(value)) {
    // An empty array in the event still "exists".
    if (value.length === 0) return alternatives.some((a) => isPlainObject(a) && a.exists === true);
    return value.some((v) => leafMatches(alternatives, v));
  }
  return alternatives.some((a) => {
    if (isPlainObject(a)) {
      if ('exists' in a && Object.keys(a).length === 1) return a.exists === true;
      return filterMatches(a, value);
    }
    if (Array.isArray(a)) throw new InvalidEventPatternError('Nested arrays are not allowed in an event pattern');
    return a === value;
  });
}

function objectMatches(pattern: EventPattern, event: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(expected) || expected.length < 2)
        throw new InvalidEventPatternError('$or needs an array of at least two patterns');
      if (!expected.some((p) => isPlainObject(p) && objectMatches(p, event))) return false;
      continue;
    }
    const value = isPlainObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      if (!leafMatches(expected, value)) return false;
    } else if (isPlainObject(expected)) {
      if (Array.isArray(value)) {
        if (!value.some((v) => objectMatches(expected, v))) return false;
      } else if (!objectMatches(expected, value)) return false;
    } else {
      throw new InvalidEventPatternError(
        `Pattern field ${key} must be an array or an object, got ${JSON.stringify(expected)}`,
      );
    }
  }
  return true;
}

/** Does the event (a full EventBridge event, or any JSON object) match the pattern? */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('An event pattern is a JSON object');
  return objectMatches(pattern, event);
}

/** Throws InvalidEventPatternError for a malformed pattern (checked once, when a rule is registered). */
export function validateEventPattern(pattern: EventPattern): void {
  // Matching against a probe that exercises every branch would miss filters on absent fields;
  // walk the pattern instead.
  const walk = (p: unknown, where: string): void => {
    if (!isPlainObject(p)) throw new InvalidEventPatternError(`${where} must be an object`);
    for (const [key, v] of Object.entries(p)) {
      if (key === '$or') {
        if (!Array.isArray(v) || v.length < 2)
          throw new InvalidEventPatternError(`${where}.$or needs at least two patterns`);
        v.forEach((x, i) => walk(x, `${where}.$or[${i}]`));
      } else if (Array.isArray(v)) {
        for (const a of v) {
          if (Array.isArray(a)) throw new InvalidEventPatternError(`${where}.${key}: nested arrays are not allowed`);
          if (isPlainObject(a) && !('exists' in a && Object.keys(a).length === 1)) filterMatches(a, probeFor(a));
        }
      } else if (isPlainObject(v)) walk(v, `${where}.${key}`);
      else throw new InvalidEventPatternError(`${where}.${key} must be an array or an object`);
    }
  };
  walk(pattern, 'pattern');
}

function probeFor(filter: Record<string, unknown>): unknown {
  return 'numeric' in filter ? 0 : '';
}
