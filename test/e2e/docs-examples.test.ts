// Every example in README.md and docs/ works as written on a fresh `npm start` (issue 10 §5): each
// sh/bash block that calls curl runs, as a bash script, against the local runtime with the demo
// data (localhost:3000 pointed at the test's port); each curl answers the status the document
// claims after it (`# → 202`), else a 2xx; none answers 409. Then, once the alerts have settled:
// every incident they opened is routed to a demo service, and no alert is left firing (no example
// leaves a permanent outage behind). Also: the demo tables in the docs match the demo and the API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { demoIntegrations, demoOpsTokens } from '../../infra/local/demo';
import { demoServices } from '../../infra/local/demo/incidents';
import { RA_SERVICE } from '../../shared/domain/revenue/alerts';
import { createJobSchema } from '../../shared/domain/probes/definitions';
import { startTestRuntime, type TestRuntime } from '../support/local';

const ROOT = path.resolve(__dirname, '../..');
const DOCS = ['README.md', ...mdFiles('docs'), ...mdFiles('docs/monitors')];

function mdFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `${dir}/${f}`);
}

interface Example {
  file: string;
  line: number;
  script: string;
  /** One per curl call, in order: the status the document claims, or undefined (any 2xx). */
  expected: Array<number | undefined>;
}

/** The sh/bash blocks that call curl, with the statuses their `# → NNN` comments claim. */
export function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  const fence = /^```(sh|bash|shell)\s*\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const script = m[2]!;
    if (!/^\s*curl\b/m.test(script)) continue;
    const expected: Array<number | undefined> = [];
    for (const l of script.split('\n')) {
      if (/^\s*curl\b/.test(l)) expected.push(undefined);
      const claim = /^\s*#\s*→\s*(\d{3})\b/.exec(l);
      if (claim && expected.length) expected[expected.length - 1] = Number(claim[1]);
    }
    out.push({ file, line: text.slice(0, m.index).split('\n').length, script, expected });
  }
  return out;
}

const examples = DOCS.flatMap((f) => examplesOf(f, readFileSync(path.join(ROOT, f), 'utf8')));
let rt: TestRuntime;
const VIEWER = 'demo-viewer-token';

beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true });
});
afterAll(async () => {
  await rt?.stop();
});

async function get<T>(p: string, token = VIEWER): Promise<T> {
  const r = await rt.request('GET', p, { token });
  expect([p, r.status]).toEqual([p, 200]);
  return (await r.json()) as T;
}

describe('examples in README.md and docs/', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'nocturne-docs-'));

  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect(examples.map((e) => e.file)).toEqual(
      expect.arrayContaining(['README.md', 'docs/oncall.md', 'docs/probes.md', 'docs/tickets.md']),
    );
  });

  // This harness replaces curl by a status recorder, so an example that captures curl's output ($(curl …))
  // cannot run here: the README's order walk-through is one (known gap, see the session's closing note).
  const runnable = examples.filter((e) => !e.script.includes('$(curl'));
  it.each(runnable.map((e) => [`${e.file}:${e.line}`, e] as const))('%s works as written', async (_where, ex) => {
    const statusFile = path.join(work, `status-${ex.file.replace(/\W/g, '_')}-${ex.line}`);
    // curl as the reader runs it, plus where its status goes; localhost:3000 is the test's runtime.
    // A 503/429 carrying Retry-After is an answer senders retry; curl does with --retry, honouring
    // Retry-After. The status recorded is the final one.
    const prelude = [
      'set -u',
      `curl() { command curl --retry 4 -sS -o /dev/null -w '%{http_code}\\n' "$@" >> ${JSON.stringify(statusFile)}; }`,
    ].join('\n');
    const script = ex.script.replace(/(https?:\/\/)?localhost:3000/g, rt.url);
    // Asynchronously: the runtime answering these requests lives in this process.
    await promisify(execFile)('bash', ['-c', `${prelude}\n${script}`], { cwd: ROOT, timeout: 60_000 });
    const statuses = existsSync(statusFile) ? readFileSync(statusFile, 'utf8').trim().split('\n').map(Number) : [];
    expect(statuses).toHaveLength(ex.expected.length);
    statuses.forEach((status, i) => {
      const claim = ex.expected[i];
      const call = `curl #${i + 1} of ${ex.file}:${ex.line}`;
      if (claim !== undefined) expect([call, status]).toEqual([call, claim]);
      else expect([call, status >= 200 && status < 300]).toEqual([call, true]);
      expect(status).not.toBe(409);
    });
  });

  it('leaves every incident routed to a demo service and no alert firing (no permanent outage)', async () => {
    await rt.settle();
    await sweepOnce(() => new Date(Date.now() + 120_000), { handlers: timerHandlers });
    await rt.settle();
    const { items: incidents } = await get<{ items: Array<{ title: string; serviceId?: string }> }>(
      '/incidents?limit=200',
    );
    expect(incidents.length).toBeGreaterThan(0);
    // RA violations (nocturne-ra) name the revenue-assurance service.
    const known = [...demoServices.map((s) => s.id), RA_SERVICE];
    for (const i of incidents) expect([i.title, known.includes(i.serviceId ?? 'none')]).toEqual([i.title, true]);
    const firing = await get<{ items: Array<{ dedupKey: string; summary: string }> }>(
      '/alerts?status=firing&limit=200',
    );
    // Except the RA violations the revenue-assurance demo shows on purpose (issue 12): leakage, and the
    // volume anomaly of yesterday's lost data sessions (flagged against the demo's volume history); the
    // docs' RA example re-runs yesterday, which breaches both controls again.
    const shownOnPurpose = ['ra:leakage', 'ra:volume-anomaly'];
    expect(
      firing.items.filter((a) => !shownOnPurpose.includes(a.dedupKey)).map((a) => `${a.dedupKey}: ${a.summary}`),
    ).toEqual([]);
  });
});

describe('the demo as the docs describe it', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('the demo token table lists every demo token', () => {
    for (const token of Object.keys(demoOpsTokens))
      expect([token, readme.includes(`\`${token}\``)]).toEqual([token, true]);
    const row = readme.split('\n').find((l) => l.includes('`demo-<source>-token`'))!;
    for (const d of demoIntegrations) expect([d.type, row.includes(d.type)]).toEqual([d.type, true]);
  });

  it('the job table in docs/probes.md names every field of the API, and only those', () => {
    const probesDoc = readFileSync(path.join(ROOT, 'docs/probes.md'), 'utf8');
    const section = probesDoc.slice(
      probesDoc.indexOf('## Jobs and daemons'),
      probesDoc.indexOf('### Pinging from cron'),
    );
    const documented = new Set(
      section
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .flatMap((l) => [...l.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!)),
    );
    expect([...documented].sort()).toEqual(Object.keys(createJobSchema.shape).sort());
  });

  it('the database team has its own escalation policy', async () => {
    const dba = await get<{ escalationPolicyId?: string }>('/teams/dba/oncall');
    const platform = await get<{ escalationPolicyId?: string }>('/teams/platform/oncall');
    expect(dba.escalationPolicyId).toBeDefined();
    expect(dba.escalationPolicyId).not.toBe(platform.escalationPolicyId);
    await get(`/escalation-policies/${dba.escalationPolicyId}`);
  });
});
