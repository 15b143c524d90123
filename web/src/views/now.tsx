// Now: what is burning, who has it, who is on call, what is about to breach, what is down or late.
import { get, type Incident, type Page } from '../api';
import { Loading, Panel, Severity, Status, age, usePoll } from '../ui';

const SEVERITY_ORDER = ['P1', 'P2', 'P3', 'P4', 'P5'];
/** Open incidents are polled every second: a change shows within 2 s without a reload. */
export const LIVE_POLL_MS = 1000;

export async function openIncidents(): Promise<Incident[]> {
  const [t, a] = await Promise.all([
    get<Page<Incident>>('/incidents?status=triggered&limit=100'),
    get<Page<Incident>>('/incidents?status=acknowledged&limit=100'),
  ]);
  return [...t.items, ...a.items].sort(
    (x, y) =>
      SEVERITY_ORDER.indexOf(x.severity) - SEVERITY_ORDER.indexOf(y.severity) || x.openedAt.localeCompare(y.openedAt),
  );
}

interface Target {
  type: 'user' | 'schedule' | 'team';
  id: string;
}
interface OnCallRow {
  team: string;
  policy?: string;
  people: string[];
}

async function onCallNow(): Promise<OnCallRow[]> {
  const [teams, users] = await Promise.all([
    get<Page<{ id: string; name: string }>>('/teams?limit=100'),
    get<Page<{ id: string; name: string }>>('/users?limit=100'),
  ]);
  const name = new Map(users.items.map((u) => [u.id, u.name]));
  return Promise.all(
    teams.items.map(async (t): Promise<OnCallRow> => {
      const oc = await get<{ members: string[]; escalationPolicyId?: string }>(`/teams/${t.id}/oncall`).catch(
        () => undefined,
      );
      if (!oc?.escalationPolicyId) return { team: t.name, people: (oc?.members ?? []).map((m) => name.get(m) ?? m) };
      const policy = await get<{ name: string; levels: Array<{ targets: Target[] }> }>(
        `/escalation-policies/${oc.escalationPolicyId}`,
      );
      // Level 1 of the team's policy is who gets paged first: that is who is on call.
      const people = await Promise.all(
        (policy.levels[0]?.targets ?? []).map(async (target) => {
          if (target.type === 'user') return [name.get(target.id) ?? target.id];
          if (target.type === 'team') {
            const members = await get<{ members: string[] }>(`/teams/${target.id}/oncall`);
            return members.members.map((m) => name.get(m) ?? m);
          }
          const now = await get<{ onCall?: { userId: string; userName?: string } }>(`/schedules/${target.id}/oncall`);
          return now.onCall
            ? [`${now.onCall.userName ?? now.onCall.userId} (${target.id})`]
            : [`nobody (${target.id})`];
        }),
      );
      return { team: t.name, policy: policy.name, people: people.flat() };
    }),
  );
}

interface Ticket {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  queueId?: string;
  sla?: Record<string, { dueAt?: string; warnAt?: string; metAt?: string; breachedAt?: string } | unknown>;
}
interface Clock {
  dueAt?: string;
  warnAt?: string;
  metAt?: string;
  stoppedAt?: string;
}
/** The SLA clocks still running on a ticket, nearest deadline first. */
export function runningClocks(t: Ticket): Array<{ name: string; dueAt: string; warnAt?: string }> {
  return Object.entries(t.sla ?? {})
    .filter(([, c]) => typeof c === 'object' && c !== null && 'dueAt' in c)
    .map(([name, c]) => ({ name, ...(c as Clock) }))
    .filter((c) => c.dueAt && !c.metAt && !c.stoppedAt)
    .map((c) => ({ name: c.name, dueAt: c.dueAt!, warnAt: c.warnAt }))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

async function breachingTickets(): Promise<Array<Ticket & { clock: { name: string; dueAt: string } }>> {
  const lists = await Promise.all(['new', 'open'].map((s) => get<Page<Ticket>>(`/tickets?status=${s}&limit=100`)));
  const now = Date.now();
  return lists
    .flatMap((l) => l.items)
    .flatMap((t) => {
      const clock = runningClocks(t).find((c) => Date.parse(c.warnAt ?? c.dueAt) <= now + 4 * 3600_000);
      return clock ? [{ ...t, clock }] : [];
    })
    .sort((a, b) => a.clock.dueAt.localeCompare(b.clock.dueAt));
}

interface Watched {
  id: string;
  name: string;
  status: string;
  statusSince?: string;
  service?: string;
  errorLevel?: string;
}
async function downOrLate(): Promise<Array<Watched & { kind: string }>> {
  const [probes, jobs] = await Promise.all([
    get<Page<Watched>>('/probes?limit=100'),
    get<Page<Watched>>('/jobs?limit=100'),
  ]);
  return [
    ...probes.items.filter((p) => p.status === 'down').map((p) => ({ ...p, kind: 'probe' })),
    ...jobs.items
      .filter((j) => j.status === 'down' || j.status === 'late' || (j.errorLevel && j.errorLevel !== 'ok'))
      .map((j) => ({ ...j, kind: 'job' })),
  ];
}

export function NowView() {
  const incidents = usePoll(openIncidents, LIVE_POLL_MS);
  const oncall = usePoll(onCallNow, 30_000);
  const tickets = usePoll(breachingTickets, 15_000);
  const down = usePoll(downOrLate, 10_000);
  const now = incidents.at ?? Date.now();
  const storms = (incidents.data ?? []).filter((i) => i.storm);
  return (
    <div class="grid">
      {storms.length > 0 && (
        <div class="storm" role="alert">
          <strong>Alert storm:</strong>{' '}
          {storms.map((s) => `${s.title} (${s.stormSize ?? s.alertCount} alerts)`).join('; ')}
        </div>
      )}
      <Panel title={`Open incidents${incidents.data ? ` (${incidents.data.length})` : ''}`} id="h-open-incidents">
        {!incidents.data ? (
          <Loading error={incidents.error} />
        ) : incidents.data.length === 0 ? (
          <p class="calm">No open incidents.</p>
        ) : (
          <table class="list" data-testid="open-incidents">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Incident</th>
                <th scope="col">Service</th>
                <th scope="col">Owner</th>
                <th scope="col">State</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {incidents.data.map((i) => (
                <tr key={i.id} data-incident={i.id}>
                  <td>
                    <Severity value={i.severity} />
                  </td>
                  <td>
                    <a href={`#/incidents/${i.id}`}>
                      #{i.number} {i.title}
                    </a>
                  </td>
                  <td>{i.serviceId ?? '—'}</td>
                  <td>{i.teamId ?? '—'}</td>
                  <td>
                    <Status value={i.status} />
                  </td>
                  <td>{age(i.openedAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="On call now">
        {!oncall.data ? (
          <Loading error={oncall.error} />
        ) : (
          <ul class="plain">
            {oncall.data.map((r) => (
              <li key={r.team}>
                <strong>{r.team}</strong>: {r.people.join(', ') || 'nobody'}
                {r.policy && <span class="muted"> — {r.policy}</span>}
              </li>
            ))}
          </ul>
        )}
      </Panel>
      <Panel title="Tickets near their SLA">
        {!tickets.data ? (
          <Loading error={tickets.error} />
        ) : tickets.data.length === 0 ? (
          <p class="calm">No ticket within 4 hours of a deadline.</p>
        ) : (
          <ul class="plain">
            {tickets.data.map((t) => (
              <li key={t.id}>
                <a href={`#/tickets/${t.id}`}>
                  #{t.number} {t.subject}
                </a>{' '}
                <Clock {...t.clock} />
              </li>
            ))}
          </ul>
        )}
      </Panel>
      <Panel title="Probes and jobs down or late">
        {!down.data ? (
          <Loading error={down.error} />
        ) : down.data.length === 0 ? (
          <p class="calm">Every probe and job is fine.</p>
        ) : (
          <ul class="plain">
            {down.data.map((w) => (
              <li key={w.kind + w.id}>
                <Status value={w.status} /> {w.kind} <strong>{w.name}</strong>
                {w.service && ` (${w.service})`}
                {w.errorLevel && w.errorLevel !== 'ok' && ` — error level ${w.errorLevel}`}
                {w.statusSince && <span class="muted"> for {age(w.statusSince)}</span>}
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}

export function Clock(c: { name: string; dueAt: string }) {
  const left = Date.parse(c.dueAt) - Date.now();
  const text =
    left < 0
      ? `${c.name} breached ${age(c.dueAt)} ago`
      : `${c.name} due in ${age(new Date(Date.now() - left).toISOString())}`;
  return <span class={`clock ${left < 0 ? 'breached' : ''}`}>{text}</span>;
}
