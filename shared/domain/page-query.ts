// How a list is paged, whoever asks (ops API query strings, requester routes): a limit with a
// default and an opaque cursor. The HTTP schemas and each feature's query schemas use these.
import * as z from 'zod';

export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);
export const cursorSchema = z.string().max(2048).optional();
export const pageQuerySchema = z.object({ limit: limitSchema, cursor: cursorSchema });
