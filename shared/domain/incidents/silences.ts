// Silences (matchers over a time range) and maintenance windows (per service, one-off or a
// recurring cron in a time zone: maintenance.ts, re-exported here). Silenced alerts are still
// stored and linked; they open no incident and page no one.
import * as z from 'zod';
import { matchesAll, matcherSchema, type Matcher } from './matchers';

export * from './maintenance';

const iso = z.iso.datetime({ offset: true });

export const createSilenceSchema = z
  .object({
    matchers: z.array(matcherSchema).min(1).max(50),
    startsAt: iso.optional(),
    endsAt: iso,
    comment: z.string().trim().min(1).max(2000),
  })
  .refine((s) => !s.startsAt || Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    path: ['endsAt'],
    message: 'must be after startsAt',
  });

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
  expiredAt?: string;
}

export function silenceActive(s: Silence, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(s.startsAt) <= t && t < Date.parse(s.endsAt) && !s.expiredAt;
}

export function matchingSilence(silences: Silence[], labels: Record<string, string>, now: Date): Silence | undefined {
  return silences.find((s) => silenceActive(s, now) && matchesAll(s.matchers, labels));
}
