// Body parsing shared by the normalizers: JSON and form-encoded bodies, with errors that say why.
import * as z from 'zod';
import { MalformedPayloadError, ValidationError } from '../errors';
import type { WebhookPayload } from './types';

export function parseJson(body: string): unknown {
  if (body.trim() === '') throw new MalformedPayloadError('The request body is empty; expected a JSON document.');
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new MalformedPayloadError(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/** JSON or form-encoded, chosen by content type (and by a leading `{` when the type is vague). */
export function parseJsonOrForm(payload: WebhookPayload): unknown {
  const looksJson = payload.body.trimStart().startsWith('{') || payload.body.trimStart().startsWith('[');
  if (payload.contentType === 'application/x-www-form-urlencoded' && !looksJson) return parseForm(payload.body);
  if (payload.contentType === 'application/json' || looksJson) return parseJson(payload.body);
  if (payload.body.includes('=')) return parseForm(payload.body);
  return parseJson(payload.body);
}

/** Validate with zod and throw a ValidationError naming every offending field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw ValidationError.fromZod(`The ${what} payload is not valid.`, r.error);
  return r.data;
}
