// Every key Nocturne writes is built here, so the key design lives in one place.
// docs/data-model.md lists each access pattern next to the key or index that serves it.

export const keys = {
  integration: (id: string) => ({ pk: `INTEGRATION#${id}`, sk: 'INTEGRATION' }),
  integrationList: () => ({ gsi1pk: 'INTEGRATIONS' }),

  /** The live (firing) alert for one dedup key of one integration. */
  liveAlert: (integrationId: string, dedupKey: string) => ({ pk: `DEDUP#${integrationId}#${dedupKey}`, sk: 'LIVE' }),
  /** A resolved alert, archived under its id. */
  resolvedAlert: (alertId: string) => ({ pk: `ALERT#${alertId}`, sk: 'ALERT' }),
  /** gsi1: any alert (live or resolved) by id. */
  alertById: (alertId: string) => ({ gsi1pk: `ALERT#${alertId}`, gsi1sk: 'ALERT' }),
  /** gsi2: alerts by the UTC day they started, newest first. */
  alertsByDay: (day: string) => `ALERTDAY#${day}`,

  /** Raw request bodies, content-addressed per integration; chunked past the item limit. */
  rawPayload: (payloadId: string, chunk: number) => ({ pk: `RAW#${payloadId}`, sk: `CHUNK#${String(chunk).padStart(3, '0')}` }),
};

export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

export const ENTITY = {
  integration: 'Integration',
  alert: 'Alert',
  rawPayload: 'RawPayload',
} as const;
