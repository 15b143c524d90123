// Services → revenue assurance: the latest finished reconciliation run (GET /ra/runs), its leakage,
// its findings counted per class with their money, the largest findings by value (GET
// /ra/runs/{id}/findings) and the run's findings.csv to download.
import { useState } from 'preact/hooks';
import { download, get, type Page } from '../api';
import { Loading, Panel, usePoll, when } from '../ui';

const FINDING_CLASSES = [
  'within_tolerance',
  'quantity_mismatch',
  'missing_in_billing',
  'missing_at_network',
  'duplicate',
  'rating_error',
] as const;
const CLASS_LABEL: Record<string, string> = {
  within_tolerance: 'Within tolerance',
  quantity_mismatch: 'Quantity mismatch',
  missing_in_billing: 'Missing in billing',
  missing_at_network: 'Missing at network',
  duplicate: 'Duplicate',
  rating_error: 'Rating error',
};

interface RaRun {
  id: string;
  period: string;
  status: 'running' | 'succeeded' | 'failed' | 'superseded';
  endedAt?: string;
  currency?: string;
  summary?: {
    counts: Record<string, number>;
    money: Record<string, number>;
    leakage: number;
    leakagePct: number;
    billingRevenue: number;
  };
}
interface Finding {
  recordId: string;
  class: string;
  service: string;
  direction: string;
  subscriber: string;
  value: number;
}

/** Findings read for the "largest" table (the API pages them in stored order, not by value). */
const FINDINGS_READ = 200;
const TOP = 10;

async function latestRun(): Promise<{ run: RaRun; findings: Page<Finding> } | null> {
  const runs = await get<Page<RaRun>>('/ra/runs?limit=10');
  const run = runs.items.find((r) => r.status === 'succeeded' && r.summary);
  if (!run) return null;
  const findings = await get<Page<Finding>>(`/ra/runs/${encodeURIComponent(run.id)}/findings?limit=${FINDINGS_READ}`);
  return { run, findings };
}

export function RaPanel() {
  const ra = usePoll(latestRun, 60_000);
  return (
    <Panel title="Revenue assurance">
      {ra.data === undefined ? (
        <Loading error={ra.error} />
      ) : ra.data === null ? (
        <p class="muted">No finished reconciliation run yet.</p>
      ) : (
        <RaRunSummary run={ra.data.run} findings={ra.data.findings} />
      )}
    </Panel>
  );
}

function RaRunSummary({ run, findings }: { run: RaRun; findings: Page<Finding> }) {
  const s = run.summary!;
  const currency = run.currency ?? 'EUR';
  const money = (n: number) => n.toLocaleString('en', { style: 'currency', currency, maximumFractionDigits: 2 });
  const [failed, setFailed] = useState<string>();
  const outside = FINDING_CLASSES.filter((c) => c !== 'within_tolerance').reduce((a, c) => a + (s.counts[c] ?? 0), 0);
  const top = [...findings.items].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, TOP);
  const complete = !findings.nextCursor;
  return (
    <div data-testid="ra">
      <p>
        Run of <strong>{run.period}</strong> <span class="muted">(ended {when(run.endedAt)})</span>: leakage{' '}
        <strong data-testid="ra-leakage">{money(s.leakage)}</strong> ({s.leakagePct.toFixed(3)} % of{' '}
        {money(s.billingRevenue)} billed), <span data-testid="ra-findings">{outside}</span> findings outside tolerance.
      </p>
      <table class="list" data-testid="ra-classes">
        <caption class="visually-hidden">Findings of the run per class</caption>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">Findings</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {FINDING_CLASSES.map((c) => (
            <tr key={c} data-class={c}>
              <td>{CLASS_LABEL[c]}</td>
              <td>{s.counts[c] ?? 0}</td>
              <td>{money(s.money[c] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Largest findings</h3>
      {top.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table class="list" data-testid="ra-top">
          <caption class="muted">
            {complete
              ? `The ${top.length} largest by value.`
              : `The ${top.length} largest by value among the first ${findings.items.length} findings; the CSV has all.`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Class</th>
              <th scope="col">Service</th>
              <th scope="col">Subscriber</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {top.map((f) => (
              <tr key={`${f.class}:${f.recordId}`}>
                <td>{f.recordId}</td>
                <td>{CLASS_LABEL[f.class] ?? f.class}</td>
                <td>
                  {f.service} {f.direction}
                </td>
                <td>{f.subscriber}</td>
                <td>{money(f.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button
        type="button"
        onClick={() =>
          download(`/ra/runs/${encodeURIComponent(run.id)}/findings?format=csv`, `findings-${run.id}.csv`).then(
            () => setFailed(undefined),
            (err: Error) => setFailed(err.message),
          )
        }
      >
        Download all findings (CSV)
      </button>
      {failed && (
        <span role="status" class="error">
          {' '}
          {failed}
        </span>
      )}
    </div>
  );
}
