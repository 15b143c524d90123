// Label matchers for routes, silences and inhibition (Alertmanager semantics). Regular
// expressions run on RE2 (re2js): linear time, no backtracking, so a user's pattern cannot
// stall the engine. Patterns are anchored, as in Alertmanager.
import { RE2JS } from 're2js';
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
    if ((m.op === '=~' || m.op === '!~') && m.value !== undefined) {
      try {
        RE2JS.compile(`^(?:${m.value})$`);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `not a valid RE2 pattern: ${(err as Error).message}`,
        });
      }
    }
  });
export type Matcher = z.infer<typeof matcherSchema>;

const compiled = new Map<string, RE2JS>();

function regex(pattern: string): RE2JS {
  let r = compiled.get(pattern);
  if (!r) {
    r = RE2JS.compile(`^(?:${pattern})$`);
    if (compiled.size > 5000) compiled.clear();
    compiled.set(pattern, r);
  }
  return r;
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
