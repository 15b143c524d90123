// The id formats that probes, jobs and other features share, apart from the probe definitions so
// that a feature needing only an id (SLOs, queries) does not bundle cron-parser with them. Pure.
import * as z from 'zod';

/** Ids chosen by people: lower-case slug, as integration ids. */
export const slugSchema = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter or digit');

/** Service and team ids as other features use them; `#` is reserved (it separates key parts). */
export const refIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, dots, colons, underscores and dashes');
