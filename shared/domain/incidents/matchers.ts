// Label matchers for routes, silences and inhibition (Alertmanager semantics). Regular
// expressions run on RE2 (re2js): linear time, no backtracking, so a user's pattern cannot
// stall the engine. Patterns are anchored, as in Alertmanager.
//
// re2js (~150 KB minified) is not imported here: most alerts meet only `=`/`!=`/`in` matchers, and
// the functions that evaluate matchers must stay under their bundle budget (issue 15, decision 0011).
// Parsing a matcher checks its shape only; the app layer, where rules and silences are loaded,
// compiles the `=~`/`!~` patterns in force once per warm container with an RE2 engine it loads on
// first need (shared/app/incidents/patterns.ts: `preparePatterns`, `patternIssues` for requests),
// and hands the compiled patterns in here (`usePatterns`). The synchronous evaluation below then
// reads them; evaluating a pattern that was never compiled is a programming error and throws.
import * as z from 'zod';

export const matcherSchema = z
  .object({
    label: z.string().min(1).max(128),
    op: z.enum(['=', '!=', '=~', '!~', 'in', 'not-in']),
    value: z.string().max(512).optional(),
    values: z.array(z.string().max(512)).min(1).max(100).optional(),
  })
  .superRefine((m, ctx) => {
    const list = m.op === 'in' || m.op === 'not-in';
    if (list && !m.values) ctx.addIssue({ code: 'custom', path: ['values'], message: `op ${m.op} needs values` });
    if (!list && m.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${m.op} needs value` });
  });
export type Matcher = z.infer<typeof matcherSchema>;

/** A compiled, anchored pattern (an RE2JS instance). */
export interface Pattern {
  matches(input: string): boolean;
}
/** Compiles an anchored pattern source (`anchored(value)`); throws on a pattern RE2 cannot run. */
export type PatternCompiler = (source: string) => Pattern;

/** The source a matcher's value is compiled from: anchored at both ends, as in Alertmanager. */
export const anchored = (value: string): string => `^(?:${value})$`;

const isRegex = (m: Matcher): boolean => (m.op === '=~' || m.op === '!~') && m.value !== undefined;

/** The distinct `=~`/`!~` values among the matchers (empty for regex-free rules: nothing to compile). */
export function regexValues(matchers: Iterable<Matcher>): string[] {
  const out = new Set<string>();
  for (const m of matchers) if (isRegex(m)) out.add(m.value!);
  return [...out];
}

/** Compiled patterns by value: a memo per process, filled through `usePatterns`. */
const compiled = new Map<string, Pattern>();
/** Past this many, patterns not among the ones being prepared are dropped (deleted silences' patterns). */
const MAX_COMPILED = 5000;

/** The values among `values` not compiled yet. */
export function uncompiled(values: string[]): string[] {
  return values.filter((v) => !compiled.has(v));
}

/** Compile each value not compiled yet with `compile` and keep it for evaluation. */
export function usePatterns(values: string[], compile: PatternCompiler): void {
  const missing = uncompiled(values);
  if (!missing.length) return;
  if (compiled.size + missing.length > MAX_COMPILED) {
    const keep = new Set(values);
    for (const v of [...compiled.keys()]) if (!keep.has(v)) compiled.delete(v);
  }
  for (const v of missing) compiled.set(v, compile(anchored(v)));
}

/**
 * Validation issues of the matchers' patterns, compiled with `compile` (a pattern RE2 cannot run,
 * e.g. a backreference): `path` is the index of the matcher and `value`, as zod names fields.
 */
export function patternIssues(
  matchers: Matcher[],
  compile: PatternCompiler,
): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  matchers.forEach((m, i) => {
    if (!isRegex(m)) return;
    try {
      compile(anchored(m.value!));
    } catch (err) {
      issues.push({ path: [i, 'value'], message: `not a valid RE2 pattern: ${(err as Error).message}` });
    }
  });
  return issues;
}

function regex(value: string): Pattern {
  const p = compiled.get(value);
  if (!p) throw new Error(`The pattern ${JSON.stringify(value)} was not compiled before matching (usePatterns).`);
  return p;
}

export function matchOne(m: Matcher, labels: Record<string, string | undefined>): boolean {
  const v = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return regex(m.value!).matches(v);
    case '!~':
      return !regex(m.value!).matches(v);
    case 'in':
      return m.values!.includes(v);
    case 'not-in':
      return !m.values!.includes(v);
  }
}

/** All matchers must match (an empty list matches everything). */
export function matchesAll(matchers: Matcher[], labels: Record<string, string | undefined>): boolean {
  return matchers.every((m) => matchOne(m, labels));
}
