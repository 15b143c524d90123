// The contract every monitor format implements: raw webhook body in, canonical alerts out.
import type { CanonicalAlert, NormalizeContext } from '../alert';

export interface WebhookPayload {
  /** The request body as text (already base64-decoded when API Gateway encoded it). */
  body: string;
  /** Lower-cased media type without parameters, e.g. `application/json`. */
  contentType: string;
  query: Record<string, string | undefined>;
}

/**
 * A normalizer is pure: it throws MalformedPayloadError (400) for a body it cannot parse and
 * ValidationError (422) for a parsed body of the wrong shape, naming the field.
 * It never returns an invalid alert: callers may store what it returns as is.
 */
export type Normalizer = (payload: WebhookPayload, ctx: NormalizeContext) => CanonicalAlert[];
