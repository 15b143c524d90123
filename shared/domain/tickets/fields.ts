// Custom fields of a ticket category: their definitions, and the zod schema built from them that
// validates a ticket's `fields` on every write (create, update, email, workflow task).
import * as z from 'zod';
import { ValidationError } from '../errors';

const fieldKey = z.string().regex(/^[a-z][a-zA-Z0-9_]{0,63}$/, 'start with a lower-case letter; letters, digits and _');

const base = {
  key: fieldKey,
  label: z.string().min(1).max(200),
  required: z.boolean().default(false),
  description: z.string().max(1000).optional(),
};

export const fieldDefinitionSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('text'),
    maxLength: z.number().int().min(1).max(10000).default(1000),
    pattern: z.string().max(200).optional(),
  }),
  z.object({
    ...base,
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().default(false),
  }),
  z.object({ ...base, type: z.literal('enum'), options: z.array(z.string().min(1).max(100)).min(1).max(200) }),
  z.object({ ...base, type: z.literal('date') }),
  z.object({ ...base, type: z.literal('boolean') }),
]);
export type FieldDefinition = z.infer<typeof fieldDefinitionSchema>;

export const fieldDefinitionsSchema = z
  .array(fieldDefinitionSchema)
  .max(100)
  .superRefine((defs, ctx) => {
    const seen = new Set<string>();
    defs.forEach((d, i) => {
      if (seen.has(d.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate field key ${d.key}` });
      seen.add(d.key);
      if (d.type === 'text' && d.pattern) {
        try {
          new RegExp(d.pattern);
        } catch {
          ctx.addIssue({ code: 'custom', path: [i, 'pattern'], message: 'not a valid regular expression' });
        }
      }
    });
  });

export type FieldValue = string | number | boolean;
export type FieldValues = Record<string, FieldValue>;

function valueSchema(d: FieldDefinition): z.ZodType<FieldValue> {
  switch (d.type) {
    case 'text': {
      let s = z.string().max(d.maxLength);
      if (d.pattern) s = s.regex(new RegExp(d.pattern), `must match ${d.pattern}`);
      return d.required ? s.min(1, 'required') : s;
    }
    case 'number': {
      let n = d.integer ? z.number().int() : z.number();
      if (d.min !== undefined) n = n.min(d.min);
      if (d.max !== undefined) n = n.max(d.max);
      return n;
    }
    case 'enum':
      return z.enum(d.options as [string, ...string[]]);
    case 'date':
      return z.iso.date();
    case 'boolean':
      return z.boolean();
  }
}

/** The schema of a category's fields: known keys only, required ones present, values typed. */
export function fieldsSchema(defs: FieldDefinition[]): z.ZodType<FieldValues> {
  const shape: Record<string, z.ZodType> = {};
  for (const d of defs) shape[d.key] = d.required ? valueSchema(d) : valueSchema(d).optional();
  return z.strictObject(shape) as unknown as z.ZodType<FieldValues>;
}

/** Validate field values against the category's definitions; errors name `fields.<key>`. */
export function validateFields(defs: FieldDefinition[], values: unknown, categoryId: string): FieldValues {
  const r = fieldsSchema(defs).safeParse(values ?? {});
  if (!r.success) {
    const issues = r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ field: `fields.${k}`, message: `category ${categoryId} has no field ${k}` }))
        : [{ field: ['fields', ...i.path.map(String)].join('.'), message: i.message }],
    );
    throw new ValidationError(`The fields do not fit category ${categoryId}.`, issues);
  }
  return r.data;
}

/** Email and other loose sources give strings: coerce them to the field's type where it is unambiguous. */
export function coerceFieldStrings(defs: FieldDefinition[], raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const d = defs.find((x) => x.key === k);
    if (!d) out[k] = v;
    else if (d.type === 'number' && v.trim() !== '' && !Number.isNaN(Number(v))) out[k] = Number(v);
    else if (d.type === 'boolean' && /^(true|false|yes|no)$/i.test(v.trim())) out[k] = /^(true|yes)$/i.test(v.trim());
    else out[k] = v.trim();
  }
  return out;
}
