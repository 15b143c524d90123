// Incident: timeline, alerts, pages, tickets; acknowledge, resolve, reassign, severity, note,
// silence its alerts for a while, and post a public status update.
import { get, post, type Incident, type Page } from '../api';
import { ActionForm, Loading, Panel, Severity, Status, age, str, usePoll, when } from '../ui';
import { LIVE_POLL_MS } from './now';

interface Detail extends Incident {
  alerts: Array<{ alertId: string; summary: string; status: string; relation: string; joinedAt: string }>;
  timeline: Array<{ at: string; actor: { type: string; id: string; name?: string }; kind: string; message: string }>;
  tickets: Array<{ ticketId: string; ticketNumber?: number; followUp: boolean }>;
}
interface Pages {
  escalation?: {
    status: string;
    policyName?: string;
    ackedAt?: string;
    next?: { level: number; dueAt: string };
    last?: { level: number };
  };
  pages: Array<{
    sentAt?: string;
    claimedAt: string;
    userName?: string;
    userId: string;
    channel: string;
    level: number;
    status: string;
  }>;
}
interface PublicUpdate {
  id: string;
  status: string;
  body: string;
  created_at: string;
}

/** Matchers for a silence of this incident's alerts: its group labels, from its group key. */
export function silenceMatchers(i: Pick<Incident, 'groupKey' | 'grouping' | 'serviceId'>) {
  const keys = i.grouping?.groupBy ?? [];
  const matchers: Array<{ label: string; op: '='; value: string }> = [];
  let rest = i.groupKey;
  keys.forEach((k, n) => {
    if (!rest.startsWith(`${k}=`)) return;
    const next = keys[n + 1];
    const end = next ? rest.indexOf(`,${next}=`) : -1;
    const value = rest.slice(k.length + 1, end >= 0 ? end : undefined);
    matchers.push({ label: k, op: '=', value });
    rest = end >= 0 ? rest.slice(end + 1) : '';
  });
  if (!matchers.length && i.serviceId) matchers.push({ label: 'service', op: '=', value: i.serviceId });
  return matchers;
}

export function IncidentView({ id }: { id: string }) {
  const detail = usePoll(() => get<Detail>(`/incidents/${id}`), LIVE_POLL_MS, [id]);
  const pages = usePoll(() => get<Pages>(`/incidents/${id}/pages`), 3000, [id]);
  const updates = usePoll(
    () => get<Page<PublicUpdate>>(`/incidents/${id}/status-updates`).catch(() => ({ items: [] })),
    5000,
    [id],
  );
  const teams = usePoll(() => get<Page<{ id: string; name: string }>>('/teams?limit=100'), 60_000);
  const i = detail.data;
  if (!i) return <Loading error={detail.error} />;
  const reload = () => {
    detail.reload();
    pages.reload();
    updates.reload();
  };
  const open = i.status !== 'resolved';
  const attempts = pages.data?.pages ?? [];
  const esc = pages.data?.escalation;
  return (
    <div class="grid">
      <header class="incident-head panel">
        <h2>
          #{i.number} {i.title}
        </h2>
        <p>
          <Severity value={i.severity} /> <Status value={i.status} /> service <strong>{i.serviceId ?? '—'}</strong>,
          team <strong>{i.teamId ?? '—'}</strong>, opened {when(i.openedAt)} ({age(i.openedAt)} ago)
          {i.acknowledgedAt && `, acknowledged ${when(i.acknowledgedAt)}`}
          {i.resolvedAt && `, resolved ${when(i.resolvedAt)}`}
        </p>
        {open && (
          <div class="actions">
            {i.status === 'triggered' && (
              <ActionForm
                label="Acknowledge"
                onDone={reload}
                variant="primary"
                action={() => post(`/incidents/${id}/acknowledge`, {})}
              />
            )}
            <ActionForm
              label="Resolve"
              onDone={reload}
              action={(f) => post(`/incidents/${id}/resolve`, str(f, 'note') ? { note: str(f, 'note') } : {})}
            >
              <label>
                Resolution note <input name="note" />
              </label>
            </ActionForm>
          </div>
        )}
      </header>
      {open && (
        <Panel title="Change">
          <ActionForm
            label="Change severity"
            onDone={reload}
            action={(f) => post(`/incidents/${id}/severity`, { severity: str(f, 'severity') })}
          >
            <label>
              Severity{' '}
              <select name="severity">
                {['P1', 'P2', 'P3', 'P4', 'P5'].map((s) => (
                  <option key={s} selected={s === i.severity}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </ActionForm>
          <ActionForm
            label="Reassign"
            onDone={reload}
            action={(f) => post(`/incidents/${id}/reassign`, { teamId: str(f, 'teamId') })}
          >
            <label>
              Team{' '}
              <select name="teamId">
                {(teams.data?.items ?? []).map((t) => (
                  <option key={t.id} value={t.id} selected={t.id === i.teamId}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          </ActionForm>
          <ActionForm
            label="Silence its alerts"
            onDone={reload}
            action={(f) =>
              post('/silences', {
                matchers: silenceMatchers(i),
                endsAt: new Date(Date.now() + Number(str(f, 'minutes') || 60) * 60_000).toISOString(),
                comment: str(f, 'comment') || `Silenced from incident #${i.number}`,
              })
            }
          >
            <label>
              For{' '}
              <select name="minutes">
                <option value="30">30 minutes</option>
                <option value="60" selected>
                  1 hour
                </option>
                <option value="240">4 hours</option>
                <option value="1440">1 day</option>
              </select>
            </label>
            <label>
              Why <input name="comment" />
            </label>
          </ActionForm>
        </Panel>
      )}
      <Panel title="Timeline">
        <ActionForm
          label="Add note"
          onDone={reload}
          action={(f) => post(`/incidents/${id}/notes`, { note: str(f, 'note') })}
        >
          <label>
            Note <input name="note" required />
          </label>
        </ActionForm>
        <ol class="timeline">
          {i.timeline.map((t, n) => (
            <li key={n}>
              <time dateTime={t.at}>{when(t.at)}</time> <span class="kind">{t.kind}</span> {t.message}{' '}
              <span class="muted">— {t.actor.name ?? t.actor.id}</span>
            </li>
          ))}
        </ol>
      </Panel>
      <Panel title="Public status updates">
        <ActionForm
          label="Post status update"
          onDone={reload}
          action={(f) =>
            post(
              `/incidents/${id}/status-updates`,
              { status: str(f, 'status'), body: str(f, 'body'), componentStatus: str(f, 'componentStatus') },
              { 'idempotency-key': crypto.randomUUID() },
            )
          }
        >
          <label>
            Status{' '}
            <select name="status">
              <option>investigating</option>
              <option>identified</option>
              <option>monitoring</option>
              <option>resolved</option>
            </select>
          </label>
          <label>
            Impact on {i.serviceId ?? 'the service'}{' '}
            <select name="componentStatus">
              <option value="degraded_performance">degraded performance</option>
              <option value="partial_outage" selected>
                partial outage
              </option>
              <option value="major_outage">major outage</option>
              <option value="operational">operational</option>
            </select>
          </label>
          <label>
            Message <textarea name="body" required rows={2} />
          </label>
        </ActionForm>
        <ul class="plain">
          {(updates.data?.items ?? []).map((u) => (
            <li key={u.id}>
              <time dateTime={u.created_at}>{when(u.created_at)}</time> <strong>{u.status}</strong> {u.body}
            </li>
          ))}
        </ul>
      </Panel>
      <Panel title={`Alerts (${i.alerts.length})`}>
        <ul class="plain">
          {i.alerts.map((a) => (
            <li key={a.alertId}>
              <Status value={a.status} /> {a.summary}{' '}
              <span class="muted">
                ({a.relation}, {when(a.joinedAt)})
              </span>
            </li>
          ))}
        </ul>
      </Panel>
      <Panel title="Pages">
        {esc && (
          <p data-testid="escalation">
            Escalation ({esc.policyName}):{' '}
            {esc.ackedAt ? <strong>stopped, acknowledged {when(esc.ackedAt)}</strong> : <strong>{esc.status}</strong>}
            {esc.last && `, last paged level ${esc.last.level}`}
            {!esc.ackedAt &&
              esc.status === 'active' &&
              esc.next &&
              `, next level ${esc.next.level} at ${when(esc.next.dueAt)}`}
          </p>
        )}
        {attempts.length === 0 ? (
          <p class="muted">No page sent yet (pages go out when the group window closes).</p>
        ) : (
          <table class="list" data-testid="pages">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Level</th>
                <th scope="col">To</th>
                <th scope="col">Channel</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((p, n) => (
                <tr key={n}>
                  <td>{when(p.sentAt ?? p.claimedAt)}</td>
                  <td>{p.level}</td>
                  <td>{p.userName ?? p.userId}</td>
                  <td>{p.channel}</td>
                  <td>{p.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Tickets">
        {i.tickets.length === 0 ? (
          <p class="muted">No linked ticket.</p>
        ) : (
          <ul class="plain">
            {i.tickets.map((t) => (
              <li key={t.ticketId}>
                <a href={`#/tickets/${t.ticketId}`}>ticket #{t.ticketNumber ?? t.ticketId}</a>
                {t.followUp && ' (follow-up)'}
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}
