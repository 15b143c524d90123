// Shared by the normalizer tests: the real payload fixtures, a fixed context, and the check that
// what a normalizer returns is storable as is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalAlertSchema,
  type AlertSource,
  type CanonicalAlert,
  type NormalizeContext,
} from '../../../shared/domain/alert';
import type { WebhookPayload } from '../../../shared/domain/normalizers/types';

export const FIXTURES_DIR = join(__dirname, '../../fixtures/payloads');

export const ctx: NormalizeContext = {
  integrationId: 'int-test',
  defaultService: 'billing-platform',
  receivedAt: '2024-03-05T10:40:00.000Z',
};

export function fixtureText(source: AlertSource, name: string): string {
  return readFileSync(join(FIXTURES_DIR, source, name), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(source: AlertSource, name: string): T {
  return JSON.parse(fixtureText(source, name)) as T;
}

export function contentTypeOf(name: string): string {
  return name.endsWith('.txt') ? 'application/x-www-form-urlencoded' : 'application/json';
}

export function payload(body: string, contentType = 'application/json'): WebhookPayload {
  return { body, contentType, query: {} };
}

export function fixturePayload(source: AlertSource, name: string): WebhookPayload {
  return payload(fixtureText(source, name), contentTypeOf(name));
}

/** Every fixture file, by source directory. */
export function allFixtures(): { source: AlertSource; name: string }[] {
  return readdirSync(FIXTURES_DIR).flatMap((source) =>
    readdirSync(join(FIXTURES_DIR, source)).map((name) => ({ source: source as AlertSource, name })),
  );
}

/** Fails the test unless every alert passes the canonical schema unchanged. */
export function expectCanonical(alerts: CanonicalAlert[]): void {
  for (const a of alerts) {
    const r = canonicalAlertSchema.safeParse(a);
    if (!r.success)
      throw new Error(`not a canonical alert: ${JSON.stringify(r.error.issues)}\n${JSON.stringify(a).slice(0, 2000)}`);
  }
}

/** Runs fn and returns what it threw (failing when it did not throw). */
export function thrown(fn: () => unknown): Error & { issues?: { field: string; message: string }[] } {
  try {
    fn();
  } catch (err) {
    return err as Error & { issues?: { field: string; message: string }[] };
  }
  throw new Error('expected the call to throw');
}
