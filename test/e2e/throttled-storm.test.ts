// A storm whose deliveries are throttled by the gateway (429 + Retry-After) and retried as
// Alertmanager does, through the whole local runtime: it must end in the same incidents as an
// unthrottled one, every delivery 202 in the end. Its own file, so its own process and runtime (with
// its own webhook rate limit): run after the 2,000-alert storm in the same process, every try of a
// delivery ran past the ingest's deadline for ten minutes (cause not established); in a file of its
// own, after that storm, it passed (460 s at load ~20 on 2 cores; 116 s alone).
import { catalog } from '../../infra/catalog';
import { startTestRuntime } from '../support/local';
import { stormOn } from '../support/storm';

// 160 alerts (40 hosts) in batches of 10: still forty groups for the storm guard, and eight
// deliveries at a time against a burst of four, so the first rounds always meet 429s; a delivery that
// runs out of time (503 + Retry-After) is retried too. Volume is bench:storm's job: with 2,000 alerts
// in batches of 50 on a loaded 2-core machine no try of a delivery could finish within the ingest's
// 8 s, and the suite's run time grew with the machine's load far faster than linearly.
it('a storm whose deliveries are throttled (429 + Retry-After) and retried as Alertmanager does ends in the same incidents', async () => {
  // A gateway that lets 4 webhooks a second through: the sender meets 429s, waits and retries.
  const throttle = { ...catalog.throttle, webhookRateLimit: 4, webhookBurstLimit: 4 };
  const slow = await startTestRuntime({ seedDemo: true, catalog: { throttle } });
  try {
    const deliveries = await stormOn(slow, 'throttled-storm', { hosts: 40, batch: 10, parallel: 8 });
    expect(deliveries).toHaveLength(16);
    expect(deliveries.flatMap((d) => d.retried)).toContain(429);
    expect(deliveries.every((d) => d.status === 202)).toBe(true);
  } finally {
    await slow.stop();
  }
}, 600_000);
