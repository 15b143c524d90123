// Demo SLOs (docs/slo.md): a 99.9 % checkout SLO with a week of per-minute history (a few short
// error bursts), a 99.5 % rating SLO whose feed fails hard from seeding until an hour later — so
// the evaluator's first ticks page through `nocturne-slo` and the alert resolves by itself once
// the feed is clean, after which the slow burn (3d/6h at 1x) still holds for a few hours and opens a
// ticket in the NOC queue instead — and an availability SLO of the billing API from its probes and
// incidents. Idempotent: an SLO that exists is left as it is, with its counts.
import { createSloSchema, type MinutePoint } from '../../../shared/domain/slo/model';
import { sloTicketCategory } from '../../../shared/app/slo/ticket-sync';
import { putSliCounts, slos } from '../../../shared/store/slo';
import { ensureConfig } from '../../../shared/store/ticket-config';

const MIN = 60_000;

const DEMO_SLOS = [
  {
    id: 'demo-checkout-success',
    name: 'Checkout requests succeed',
    service: 'billing-api',
    team: 'platform',
    objective: 99.9,
    timeZone: 'Europe/Paris',
    window: { kind: 'calendar', unit: 'month' },
    sli: { kind: 'ratio', good: 'HTTP 2xx and 3xx answers', total: 'all answers' },
  },
  {
    id: 'demo-rating-success',
    name: 'Rating requests succeed',
    service: 'rating-engine',
    team: 'platform',
    objective: 99.5,
    window: { kind: 'rolling', days: 7 },
    sli: { kind: 'ratio', good: 'rated without error', total: 'rating requests' },
  },
  {
    id: 'demo-billing-availability',
    name: 'Billing API available',
    service: 'billing-api',
    team: 'platform',
    objective: 99.95,
    window: { kind: 'calendar', unit: 'month' },
    sli: { kind: 'availability' },
  },
] as const;

/** A deterministic wobble: the same demo every time for the same minute. */
const wobble = (t: number) => Math.floor(((Math.sin(t / 7_919_000) + 1) / 2) * 200);

function checkoutHistory(now: number): MinutePoint[] {
  const out: MinutePoint[] = [];
  const start = Math.floor(now / MIN) * MIN - 7 * 1440 * MIN;
  for (let t = start; t <= now; t += MIN) {
    const total = 800 + wobble(t);
    const hour = Math.floor((t - start) / 3_600_000);
    // Three short bursts over the week; a steady trickle of errors otherwise.
    const burst = hour === 30 || hour === 95 || hour === 140 ? 0.02 : 0.0004;
    out.push({ minute: t, total, good: Math.round(total * (1 - burst)) });
  }
  return out;
}

function ratingFeed(now: number): MinutePoint[] {
  const out: MinutePoint[] = [];
  const minute = Math.floor(now / MIN) * MIN;
  for (let t = minute - 1440 * MIN; t < minute + 60 * MIN; t += MIN) {
    const total = 300;
    out.push({ minute: t, total, good: t >= minute - 20 * MIN ? 225 : total }); // 25 % failing
  }
  return out;
}

export async function seedSloDemo(ctx: { now: string; log: (line: string) => void }): Promise<void> {
  const now = Date.parse(ctx.now);
  // Slow burns ticket in the NOC queue (without this the evaluator creates the category without a queue).
  await ensureConfig('category', sloTicketCategory('noc'), ctx.now);
  for (const def of DEMO_SLOS) {
    if (await slos.get(def.id)) continue;
    const { id, ...input } = createSloSchema.parse(def);
    await slos.create({ ...input, id: id! }, ctx.now);
    if (id === 'demo-checkout-success') await putSliCounts(id, 'checkout-web', checkoutHistory(now));
    if (id === 'demo-rating-success') await putSliCounts(id, 'rating-api', ratingFeed(now));
  }
}
