// What every Nocturne event shares. Events are named `<Source>.<DetailType>`; the detail carries
// a schema version, a deterministic eventId for consumers to de-duplicate (delivery is at least
// once), and the time the state change was committed.
import * as z from 'zod';

export const eventEnvelopeSchema = z.object({
  version: z.literal(1),
  eventId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
});

export interface EventContract<S extends z.ZodType> {
  source: string;
  detailType: string;
  schema: S;
  example: unknown;
}

/** The contracts of one source whose detail-types share one schema: one per detail-type, with its example. */
export function contractsOf<S extends z.ZodType>(
  source: string,
  schema: S,
  examples: Array<[detailType: string, example: unknown]>,
): Array<EventContract<S>> {
  return examples.map(([detailType, example]) => ({ source, detailType, schema, example }));
}
