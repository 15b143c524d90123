// Opt-in HTTPS (issue 10 §5): PagerDuty client libraries that insist on https:// URLs can send
// to the local runtime, which serves the same routes over TLS with a self-signed certificate
// generated once into the data dir (and reused on the next start).
import { readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { startTestRuntime, tempDataDir } from '../support/local';

function post(url: string, ca: Buffer, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

it('serves the API over HTTPS with a self-signed certificate for localhost, trusted through its PEM file', async () => {
  const dataDir = tempDataDir();
  const rt = await startTestRuntime({ seedDemo: true, httpsPort: 0, dataDir });
  let certTime: number;
  try {
    expect(rt.https?.url).toMatch(/^https:\/\/localhost:\d+$/);
    const ca = readFileSync(rt.https!.certFile);
    certTime = statSync(rt.https!.certFile).mtimeMs;
    const event = {
      routing_key: 'demo-pagerduty-token',
      event_action: 'trigger',
      dedup_key: 'tls-1',
      payload: { summary: 'over TLS', source: 'pdjs', severity: 'warning' },
    };
    const r = await post(`${rt.https!.url}/v2/enqueue`, ca, event);
    expect(r.status).toBe(202);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'success', dedup_key: 'tls-1' });
    // Without trusting the certificate, a client refuses it (it is self-signed, not a public CA's).
    await expect(
      post(`${rt.https!.url}/v2/enqueue`, Buffer.from(''), event).catch((e: Error) =>
        Promise.reject(new Error(e.message)),
      ),
    ).rejects.toThrow();
    // Plain HTTP goes on as before.
    expect((await rt.request('GET', '/openapi.json')).status).toBe(200);
  } finally {
    await rt.stop();
  }
  const again = await startTestRuntime({ httpsPort: 0, dataDir });
  try {
    expect(statSync(again.https!.certFile).mtimeMs).toBe(certTime);
  } finally {
    await again.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('serves no HTTPS unless asked', async () => {
  const rt = await startTestRuntime();
  try {
    expect(rt.https).toBeUndefined();
  } finally {
    await rt.stop();
  }
});
