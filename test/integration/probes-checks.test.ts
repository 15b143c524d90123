// The network side of probes, against servers this test starts on loopback: HTTP (slow, wrong
// status, wrong body, JSON path), TLS with a self-signed certificate generated here that is
// about to expire, TCP (refused, and a listener whose accept queue is full so connects time
// out), and DNS (a small UDP responder, plus one that never answers).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createProbeSchema,
  type DnsProbeSpec,
  type HttpProbeSpec,
  type TcpProbeSpec,
} from '../../shared/domain/probes/definitions';
import { applyCheckResult, initialProbeState } from '../../shared/domain/probes/probe-state';
import { checkDns, checkHttp, checkTcp } from '../../shared/adapters/probe-checks';

jest.setTimeout(30_000);

const httpSpec = (over: Record<string, unknown>) =>
  createProbeSchema.parse({ kind: 'http', name: 'test', timeoutSeconds: 2, ...over }) as HttpProbeSpec;
const tcpSpec = (over: Record<string, unknown>) =>
  createProbeSchema.parse({ kind: 'tcp', name: 'test', timeoutSeconds: 1, ...over }) as TcpProbeSpec;
const dnsSpec = (over: Record<string, unknown>) =>
  createProbeSchema.parse({ kind: 'dns', name: 'test', timeoutSeconds: 1, ...over }) as DnsProbeSpec;

const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

describe('HTTP probes', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ok') return res.end('all systems OK');
      if (url.pathname === '/json') {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ status: 'degraded', checks: [{ name: 'db', ok: true }] }));
      }
      if (url.pathname === '/error') {
        res.statusCode = 503;
        return res.end('maintenance');
      }
      if (url.pathname === '/slow')
        return setTimeout(() => res.end('late OK'), Number(url.searchParams.get('ms') ?? 3000));
      if (url.pathname === '/echo') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () =>
          res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, body })),
        );
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('passes a healthy endpoint and measures latency', async () => {
    const r = await checkHttp(httpSpec({ url: `${base}/ok`, bodyContains: 'OK' }));
    expect(r).toEqual(expect.objectContaining({ ok: true, statusCode: 200 }));
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a wrong status', async () => {
    const r = await checkHttp(httpSpec({ url: `${base}/error` }));
    expect(r).toEqual(expect.objectContaining({ ok: false, statusCode: 503, reason: 'status 503, expected 2xx' }));
  });

  it('fails a wrong body', async () => {
    const r = await checkHttp(httpSpec({ url: `${base}/error`, expectedStatus: [503], bodyContains: 'healthy' }));
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'body does not contain "healthy"' }));
  });

  it('fails a JSON path with the wrong value', async () => {
    const r = await checkHttp(httpSpec({ url: `${base}/json`, jsonPath: { path: '$.status', equals: 'ok' } }));
    expect(r.reason).toBe('$.status is "degraded", expected "ok"');
    expect(
      (await checkHttp(httpSpec({ url: `${base}/json`, jsonPath: { path: '$.checks[0].ok', equals: true } }))).ok,
    ).toBe(true);
  });

  it('fails a slow answer over the latency threshold', async () => {
    const r = await checkHttp(httpSpec({ url: `${base}/slow?ms=400`, latencyThresholdMs: 150 }));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^slow: answered in \d+ ms, threshold 150 ms$/);
  });

  it('times out an answer slower than the timeout, on time', async () => {
    const t0 = Date.now();
    const r = await checkHttp(httpSpec({ url: `${base}/slow?ms=5000`, timeoutSeconds: 1 }));
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'timeout after 1000 ms' }));
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('sends the method, headers and body', async () => {
    const r = await checkHttp(
      httpSpec({
        url: `${base}/echo`,
        method: 'POST',
        headers: { authorization: 'Bearer probe' },
        body: 'ping',
        jsonPath: { path: '$.auth', equals: 'Bearer probe' },
      }),
    );
    expect(r.ok).toBe(true);
  });

  it('fails a refused connection', async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const r = await checkHttp(httpSpec({ url: `http://127.0.0.1:${port}/` }));
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'connection refused' }));
  });
});

describe('HTTPS probes with a self-signed certificate about to expire', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  let certPem: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nocturne-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '3',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    certPem = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: certPem }, (_req, res) =>
      res.end('OK'),
    );
    port = await listen(server);
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails verification of a self-signed certificate by default', async () => {
    const r = await checkHttp(httpSpec({ url: `https://127.0.0.1:${port}/` }));
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'TLS: self-signed certificate' }));
  });

  it('trusts it as a private CA, reads its expiry, and the state machine warns', async () => {
    const spec = httpSpec({ url: `https://localhost:${port}/`, tls: { ca: certPem, expiryWarningDays: 14 } });
    const r = await checkHttp(spec);
    expect(r.ok).toBe(true);
    const daysLeft = (Date.parse(r.certificateValidTo!) - Date.now()) / 86_400_000;
    expect(daysLeft).toBeGreaterThan(2);
    expect(daysLeft).toBeLessThan(3.1);
    expect(r.certificateSubject).toBe('localhost');
    const { state, flips } = applyCheckResult(initialProbeState(r.at), r, {
      failuresBeforeDown: 2,
      successesBeforeUp: 1,
      expiryWarningDays: 14,
    });
    expect(state.certificate).toEqual(expect.objectContaining({ expiring: true }));
    expect(flips.map((f) => [f.condition, f.to])).toEqual([
      ['status', 'up'],
      ['certificate', 'expiring'],
    ]);
  });

  it('still reads the expiry with verification off', async () => {
    const r = await checkHttp(httpSpec({ url: `https://127.0.0.1:${port}/`, tls: { verify: false } }));
    expect(r.ok).toBe(true);
    expect(r.certificateValidTo).toBeDefined();
  });
});

describe('TCP probes', () => {
  let listener: net.Server;
  let openPort: number;
  let stuck: ChildProcess;
  let stuckPort: number;
  const fillers: net.Socket[] = [];
  beforeAll(async () => {
    listener = net.createServer((s) => s.end());
    openPort = await listen(listener);
    // A listener that never accepts (its event loop is blocked), with a backlog of 1: once a
    // couple of connections fill its queue, the kernel drops further SYNs and connects hang, as
    // with a firewalled port.
    stuck = spawn(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(String(s.address().port)+'\\n');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,60000)})",
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    stuckPort = await new Promise<number>((resolve) =>
      stuck.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
    );
    for (let i = 0; i < 4; i++) {
      const s = net.connect({ host: '127.0.0.1', port: stuckPort });
      s.on('error', () => undefined);
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(async () => {
    for (const s of fillers) s.destroy();
    stuck.kill('SIGKILL');
    await new Promise((r) => listener.close(r));
  });

  it('passes an open port', async () => {
    expect(await checkTcp(tcpSpec({ host: '127.0.0.1', port: openPort }))).toEqual(
      expect.objectContaining({ ok: true }),
    );
  });

  it('fails a refused port', async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    expect(await checkTcp(tcpSpec({ host: '127.0.0.1', port }))).toEqual(
      expect.objectContaining({ ok: false, reason: 'connection refused' }),
    );
  });

  it('times out a connect that hangs', async () => {
    const t0 = Date.now();
    const r = await checkTcp(tcpSpec({ host: '127.0.0.1', port: stuckPort, timeoutSeconds: 1 }));
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'timeout after 1000 ms' }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

// ------------------------------------------------------------------ a tiny DNS responder

type Records = Partial<Record<'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS', string[]>>;
const TYPE: Record<number, keyof Records> = { 1: 'A', 28: 'AAAA', 5: 'CNAME', 15: 'MX', 16: 'TXT', 2: 'NS' };
const CODE = Object.fromEntries(Object.entries(TYPE).map(([k, v]) => [v, Number(k)])) as Record<keyof Records, number>;

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])),
    Buffer.from([0]),
  ]);
}

function rdata(type: keyof Records, value: string): Buffer {
  switch (type) {
    case 'A':
      return Buffer.from(value.split('.').map(Number));
    case 'AAAA': {
      const full = value.includes('::')
        ? value.replace('::', `:${'0:'.repeat(8 - value.split(':').filter(Boolean).length)}`).replace(/^:|:$/g, '')
        : value;
      return Buffer.concat(full.split(':').map((h) => Buffer.from(h.padStart(4, '0'), 'hex')));
    }
    case 'MX': {
      const [prio, host] = value.split(' ');
      const b = Buffer.alloc(2);
      b.writeUInt16BE(Number(prio));
      return Buffer.concat([b, encodeName(host!)]);
    }
    case 'TXT':
      return Buffer.concat([Buffer.from([value.length]), Buffer.from(value)]);
    default:
      return encodeName(value);
  }
}

function answer(query: Buffer, zone: Record<string, Records>): Buffer {
  let off = 12;
  const labels: string[] = [];
  while (query[off]! !== 0) {
    labels.push(query.subarray(off + 1, off + 1 + query[off]!).toString());
    off += query[off]! + 1;
  }
  const qEnd = off + 5;
  const qtype = query.readUInt16BE(off + 1);
  const name = labels.join('.').toLowerCase();
  const records = zone[name];
  const type = TYPE[qtype];
  const values = (type && records?.[type]) ?? [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(records ? 0x8180 : 0x8183, 2); // NOERROR, or NXDOMAIN for unknown names
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(values.length, 6);
  const rrs = values.map((v) => {
    const data = rdata(type!, v);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(CODE[type!], 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, query.subarray(12, qEnd), ...rrs]);
}

function udpServer(
  onMessage: (msg: Buffer, reply: (b: Buffer) => void) => void,
): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => onMessage(msg, (b) => socket.send(b, rinfo.port, rinfo.address)));
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve({ socket, port: socket.address().port })));
}

describe('DNS probes against a loopback resolver', () => {
  const zone: Record<string, Records> = {
    'billing.example.test': { A: ['10.0.0.7', '10.0.0.8'], AAAA: ['fd00::7'] },
    'www.example.test': { CNAME: ['lb.example.test'] },
    'example.test': { MX: ['10 mx1.example.test'], TXT: ['v=spf1 -all'], NS: ['ns1.example.test'] },
  };
  let resolver: { socket: UdpSocket; port: number };
  let silent: { socket: UdpSocket; port: number };
  beforeAll(async () => {
    resolver = await udpServer((msg, reply) => reply(answer(msg, zone)));
    silent = await udpServer(() => undefined);
  });
  afterAll(() => {
    resolver.socket.close();
    silent.socket.close();
  });

  const at = () => `127.0.0.1:${resolver.port}`;

  it('passes when an A answer matches', async () => {
    const r = await checkDns(dnsSpec({ hostname: 'billing.example.test', expected: '10.0.0.8', resolver: at() }));
    expect(r).toEqual(expect.objectContaining({ ok: true, reason: 'A billing.example.test: 10.0.0.7, 10.0.0.8' }));
  });

  it('fails when the answer differs', async () => {
    const r = await checkDns(dnsSpec({ hostname: 'billing.example.test', expected: '10.0.0.9', resolver: at() }));
    expect(r).toEqual(
      expect.objectContaining({
        ok: false,
        reason: 'A billing.example.test answered 10.0.0.7, 10.0.0.8, expected 10.0.0.9',
      }),
    );
  });

  it.each([
    ['AAAA', 'billing.example.test', 'fd00::7'],
    ['CNAME', 'www.example.test', 'LB.example.test.'],
    ['MX', 'example.test', 'mx1.example.test'],
    ['TXT', 'example.test', 'v=spf1 -all'],
    ['NS', 'example.test', 'ns1.example.test'],
  ])('reads %s records', async (recordType, hostname, expected) => {
    const r = await checkDns(dnsSpec({ hostname, recordType, expected, resolver: at() }));
    expect(r.ok).toBe(true);
  });

  it('fails an unknown name', async () => {
    const r = await checkDns(dnsSpec({ hostname: 'nope.example.test', resolver: at() }));
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'no A record for nope.example.test (ENOTFOUND)' }));
  });

  it('times out a resolver that never answers', async () => {
    const t0 = Date.now();
    const r = await checkDns(
      dnsSpec({ hostname: 'billing.example.test', resolver: `127.0.0.1:${silent.port}`, timeoutSeconds: 1 }),
    );
    expect(r).toEqual(expect.objectContaining({ ok: false, reason: 'timeout after 1000 ms' }));
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
