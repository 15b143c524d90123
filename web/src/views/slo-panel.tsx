// Services → SLOs: each service's SLOs with their status (a word and a symbol, not colour alone),
// the error budget left, and a chart of the budget left and the burn rate over the last week, from
// GET /slos, GET /slos/{id} (status) and GET /slos/{id}/history (hourly points).
import uPlot from 'uplot';
import { get, type Page } from '../api';
import { Chart, Loading, Panel, usePoll } from '../ui';

interface Slo {
  id: string;
  name: string;
  service: string;
  objective: number;
}
interface Evaluation {
  status: 'no-data' | 'ok' | 'ticket' | 'page';
  window: { label: string };
  sli?: number;
  budgetRemaining: number;
}
interface HistoryPoint {
  at: string;
  budgetRemaining: number;
  burnRate: number;
}
export interface SloCard extends Slo {
  evaluation: Evaluation;
  points: HistoryPoint[];
}

/** How far back the charts go, and their step. */
const HISTORY_HOURS = 7 * 24;
const STEP_MINUTES = 60;
const MAX_SLOS = 50;

const STATUS: Record<Evaluation['status'], { icon: string; text: string; cls: string }> = {
  ok: { icon: '✓', text: 'OK', cls: 'ok' },
  ticket: { icon: '▲', text: 'Burning: ticket', cls: 'warn' },
  page: { icon: '●', text: 'Burning fast: page', cls: 'error' },
  'no-data': { icon: '○', text: 'No data', cls: 'muted' },
};

export function SloStatus({ value }: { value: Evaluation['status'] }) {
  const s = STATUS[value];
  return (
    <span class={`status ${s.cls}`}>
      <span aria-hidden="true">{s.icon} </span>
      {s.text}
    </span>
  );
}

export async function loadSlos(now = new Date()): Promise<SloCard[]> {
  const list = await get<Page<Slo>>(`/slos?limit=${MAX_SLOS}`);
  const from = new Date(now.getTime() - HISTORY_HOURS * 3_600_000).toISOString();
  return Promise.all(
    list.items.map(async (s) => {
      const [detail, history] = await Promise.all([
        get<Slo & { evaluation: Evaluation }>(`/slos/${encodeURIComponent(s.id)}`),
        get<{ points: HistoryPoint[] }>(
          `/slos/${encodeURIComponent(s.id)}/history?from=${encodeURIComponent(from)}&to=${encodeURIComponent(now.toISOString())}&stepMinutes=${STEP_MINUTES}`,
        ),
      ]);
      return { ...s, evaluation: detail.evaluation, points: history.points };
    }),
  );
}

const pct = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;

function budgetChart(slo: SloCard): { opts: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData } {
  const opts = {
    title: `${slo.name}: budget left and burn rate, last 7 days`,
    height: 200,
    series: [
      {},
      { label: 'budget left (%)', scale: '%', stroke: '#1a7f37', fill: 'rgba(26,127,55,0.12)', width: 2 },
      { label: 'burn rate (×)', scale: 'burn', stroke: '#cf222e', width: 1.5, dash: [4, 3] },
    ],
    scales: { '%': { range: (_u: uPlot, min: number) => [Math.min(0, Math.floor(min / 10) * 10), 100] } },
    axes: [{}, { scale: '%', label: '%' }, { scale: 'burn', side: 1, label: 'burn rate ×', grid: { show: false } }],
  } as Omit<uPlot.Options, 'width'>;
  const data = [
    slo.points.map((p) => Date.parse(p.at) / 1000),
    slo.points.map((p) => Math.round(p.budgetRemaining * 1000) / 10),
    slo.points.map((p) => Math.round(p.burnRate * 100) / 100),
  ] as uPlot.AlignedData;
  return { opts, data };
}

export function SloPanel() {
  const slos = usePoll(() => loadSlos(), 60_000);
  return (
    <Panel title="Service level objectives">
      {!slos.data ? (
        <Loading error={slos.error} />
      ) : slos.data.length === 0 ? (
        <p class="muted">No SLOs defined (POST /slos).</p>
      ) : (
        <SloList slos={slos.data} />
      )}
    </Panel>
  );
}

function SloList({ slos }: { slos: SloCard[] }) {
  const services = [...new Set(slos.map((s) => s.service))].sort();
  return (
    <div data-testid="slos">
      <table class="list">
        <caption class="visually-hidden">SLOs per service with their status and error budget left</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">SLO</th>
            <th scope="col">Status</th>
            <th scope="col">SLI</th>
            <th scope="col">Budget left</th>
          </tr>
        </thead>
        <tbody>
          {services.flatMap((svc) =>
            slos
              .filter((s) => s.service === svc)
              .map((s) => (
                <tr key={s.id} data-slo={s.id}>
                  <td>{svc}</td>
                  <td>
                    {s.name} <span class="muted">({s.objective} %)</span>
                  </td>
                  <td>
                    <SloStatus value={s.evaluation.status} />
                  </td>
                  <td>
                    {s.evaluation.sli !== undefined ? `${s.evaluation.sli.toFixed(3)} %` : '—'}{' '}
                    <span class="muted">{s.evaluation.window.label}</span>
                  </td>
                  <td>
                    {pct(s.evaluation.budgetRemaining)}{' '}
                    {s.evaluation.budgetRemaining < 0 && <span class="error">(overspent)</span>}
                  </td>
                </tr>
              )),
          )}
        </tbody>
      </table>
      {slos
        .filter((s) => s.points.length > 0)
        .map((s) => {
          const { opts, data } = budgetChart(s);
          return (
            <Chart
              key={s.id}
              label={`${s.name} (${s.service}): error budget left ${pct(s.evaluation.budgetRemaining)}, status ${STATUS[s.evaluation.status].text}; hourly budget left and burn rate over the last 7 days`}
              opts={opts}
              data={data}
            />
          );
        })}
    </div>
  );
}
