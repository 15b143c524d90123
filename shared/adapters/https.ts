// Outbound HTTPS GETs (SNS signing certificates, subscription confirmations). Behind a small
// interface so handler tests swap in a fake instead of reaching the network.
export interface HttpGetter {
  get(url: string, opts?: { timeoutMs?: number }): Promise<{ status: number; body: string }>;
}

export const fetchGetter: HttpGetter = {
  async get(url, opts = {}) {
    const r = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5000), redirect: 'error' });
    return { status: r.status, body: await r.text() };
  },
};

let getter: HttpGetter = fetchGetter;

export function httpGetter(): HttpGetter {
  return getter;
}

export function setHttpGetter(g: HttpGetter | undefined): void {
  getter = g ?? fetchGetter;
}
