// Services: availability this month against the SLA, the last six months as a chart, each
// service's SLOs with their error budget, and the latest revenue-assurance run.
import uPlot from 'uplot';
import { get } from '../api';
import { Chart, Loading, Panel, usePoll } from '../ui';
import { RaPanel } from './ra-panel';
import { SloPanel } from './slo-panel';

interface Availability {
  serviceId: string;
  serviceName: string;
  month: string;
  availabilityPercent: number;
  downtimeMinutes: number;
  slaTarget?: number;
  allowedDowntimeMinutes?: number;
  remainingDowntimeMinutes?: number;
  slaMet?: boolean;
}
const PALETTE = ['#1f6feb', '#b35900', '#1a7f37', '#8250df', '#cf222e', '#0a7d8c', '#6e7781'];

export const monthsBack = (n: number, now = new Date()) =>
  Array.from({ length: n }, (_, k) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (n - 1 - k), 1));
    return d.toISOString().slice(0, 7);
  });

async function history(): Promise<{ months: string[]; reports: Array<{ month: string; services: Availability[] }> }> {
  const months = monthsBack(6);
  const reports = await Promise.all(
    months.map((m) => get<{ month: string; services: Availability[] }>(`/reports/availability?month=${m}`)),
  );
  return { months, reports };
}

export function ServicesView() {
  const data = usePoll(history, 60_000);
  if (!data.data) return <Loading error={data.error} />;
  const { months, reports } = data.data;
  const current = reports[reports.length - 1]!.services;
  const ids = current.map((s) => s.serviceId);
  const x = months.map((m) => Date.parse(`${m}-01T00:00:00Z`) / 1000);
  const series: uPlot.Series[] = [
    {},
    ...current.map((s, n) => ({
      label: s.serviceName,
      stroke: PALETTE[n % PALETTE.length],
      width: 2,
      points: { show: true },
    })),
  ];
  const aligned = [
    x,
    ...ids.map((id) => reports.map((r) => r.services.find((s) => s.serviceId === id)?.availabilityPercent ?? null)),
  ] as uPlot.AlignedData;
  const opts = {
    title: 'Availability per month (%)',
    height: 260,
    series,
    scales: {
      y: { range: (_u: uPlot, min: number) => [Math.min(99, Math.floor(min * 10) / 10), 100] as [number, number] },
    },
    axes: [
      { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => new Date(t * 1000).toISOString().slice(0, 7)) },
      {},
    ],
  } as Omit<uPlot.Options, 'width'>;
  const budget = {
    title: 'Downtime this month vs allowed (minutes)',
    height: 220,
    series: [
      {},
      { label: 'downtime', stroke: '#cf222e', fill: 'rgba(207,34,46,0.25)', paths: barPaths },
      { label: 'allowed by SLA', stroke: '#1a7f37', width: 2, dash: [6, 4] },
    ],
    scales: { x: { time: false, range: [-0.5, current.length - 0.5] } },
    axes: [{ values: (_u: uPlot, ticks: number[]) => ticks.map((t) => current[t]?.serviceName ?? ''), incrs: [1] }, {}],
  } as Omit<uPlot.Options, 'width'>;
  return (
    <div class="grid">
      <Panel title={`Availability ${months[months.length - 1]}`}>
        <table class="list" data-testid="availability">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Availability</th>
              <th scope="col">SLA</th>
              <th scope="col">Downtime</th>
              <th scope="col">Budget left</th>
            </tr>
          </thead>
          <tbody>
            {current.map((s) => (
              <tr key={s.serviceId}>
                <td>{s.serviceName}</td>
                <td>{s.availabilityPercent.toFixed(3)}%</td>
                <td>
                  {s.slaTarget !== undefined ? `${s.slaTarget}%` : '—'}{' '}
                  {s.slaMet !== undefined && (
                    <span class={s.slaMet ? 'ok' : 'error'}>{s.slaMet ? '(met)' : '(missed)'}</span>
                  )}
                </td>
                <td>{s.downtimeMinutes.toFixed(1)} min</td>
                <td>
                  {s.remainingDowntimeMinutes !== undefined ? `${s.remainingDowntimeMinutes.toFixed(1)} min` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Chart
          label="Downtime this month per service against the downtime the SLA allows"
          opts={budget}
          data={
            [
              current.map((_, n) => n),
              current.map((s) => s.downtimeMinutes),
              current.map((s) => s.allowedDowntimeMinutes ?? null),
            ] as uPlot.AlignedData
          }
        />
      </Panel>
      <Panel title="Last six months">
        <Chart label="Monthly availability per service over the last six months" opts={opts} data={aligned} />
      </Panel>
      <SloPanel />
      <RaPanel />
    </div>
  );
}

const barPaths = uPlot.paths.bars!({ size: [0.5, 60] });
