// Tickets: queues with their open tickets and SLA clocks; a ticket's history, comments and a reply.
import { useState } from 'preact/hooks';
import { get, post, type Page } from '../api';
import { ActionForm, Loading, Panel, str, usePoll, when } from '../ui';
import { Clock, runningClocks } from './now';

interface Ticket {
  id: string;
  number: number;
  subject: string;
  description?: string;
  status: string;
  priority: string;
  queueId?: string;
  assignee?: { name?: string; id: string };
  requester?: { name?: string; email: string };
  createdAt: string;
  sla?: Record<string, unknown>;
}

export function TicketsView() {
  const queues = usePoll(() => get<Page<{ id: string; name: string }>>('/ticket-queues'), 60_000);
  const [queue, setQueue] = useState<string>();
  const q = queue ?? queues.data?.items[0]?.id;
  const tickets = usePoll(
    () =>
      q
        ? get<Page<Ticket>>(`/tickets?queue=${encodeURIComponent(q)}&open=true&limit=100`)
        : Promise.resolve({ items: [] }),
    5000,
    [q],
  );
  if (!queues.data) return <Loading error={queues.error} />;
  return (
    <div class="grid">
      <Panel title="Queues">
        <div class="tabs" role="group" aria-label="Queue">
          {queues.data.items.map((x) => (
            <button key={x.id} type="button" aria-pressed={x.id === q} onClick={() => setQueue(x.id)}>
              {x.name}
            </button>
          ))}
        </div>
        {!tickets.data ? (
          <Loading error={tickets.error} />
        ) : tickets.data.items.length === 0 ? (
          <p class="calm">No open ticket in this queue.</p>
        ) : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">Priority</th>
                <th scope="col">Status</th>
                <th scope="col">Assignee</th>
                <th scope="col">SLA</th>
              </tr>
            </thead>
            <tbody>
              {tickets.data.items.map((t) => {
                const clock = runningClocks(t)[0];
                return (
                  <tr key={t.id}>
                    <td>
                      <a href={`#/tickets/${t.id}`}>
                        #{t.number} {t.subject}
                      </a>
                    </td>
                    <td>{t.priority}</td>
                    <td>{t.status}</td>
                    <td>{t.assignee?.name ?? '—'}</td>
                    <td>{clock ? <Clock {...clock} /> : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}

interface HistoryEntry {
  at: string;
  actor?: { name?: string; id?: string };
  kinds?: string[];
  changes?: Record<string, unknown>;
}
interface Comment {
  id: string;
  body: string;
  visibility: string;
  createdAt: string;
  author?: { name?: string; email?: string };
}

export function TicketView({ id }: { id: string }) {
  const ticket = usePoll(() => get<Ticket>(`/tickets/${id}`), 5000, [id]);
  const history = usePoll(() => get<Page<HistoryEntry>>(`/tickets/${id}/history?limit=100`), 5000, [id]);
  const comments = usePoll(() => get<Page<Comment>>(`/tickets/${id}/comments?limit=100`), 5000, [id]);
  const t = ticket.data;
  if (!t) return <Loading error={ticket.error} />;
  const reload = () => {
    ticket.reload();
    history.reload();
    comments.reload();
  };
  return (
    <div class="grid">
      <header class="panel">
        <h2>
          Ticket #{t.number}: {t.subject}
        </h2>
        <p>
          {t.priority}, {t.status}, queue {t.queueId ?? '—'}, assignee {t.assignee?.name ?? '—'}, from{' '}
          {t.requester?.name ?? t.requester?.email}, opened {when(t.createdAt)}
        </p>
        <p>
          {runningClocks(t).map((c) => (
            <span key={c.name}>
              <Clock {...c} />{' '}
            </span>
          ))}
        </p>
        {t.description && <p class="description">{t.description}</p>}
      </header>
      <Panel title="Comments">
        <ul class="plain">
          {(comments.data?.items ?? []).map((c) => (
            <li key={c.id}>
              <time dateTime={c.createdAt}>{when(c.createdAt)}</time>{' '}
              <strong>{c.author?.name ?? c.author?.email}</strong> <span class="muted">({c.visibility})</span>
              <p>{c.body}</p>
            </li>
          ))}
        </ul>
        <ActionForm
          label="Reply"
          onDone={reload}
          action={(f) => post(`/tickets/${id}/comments`, { body: str(f, 'body'), visibility: str(f, 'visibility') })}
        >
          <label>
            Reply <textarea name="body" required rows={3} />
          </label>
          <label>
            Visibility{' '}
            <select name="visibility">
              <option value="public">public</option>
              <option value="internal">internal</option>
            </select>
          </label>
        </ActionForm>
      </Panel>
      <Panel title="History">
        <ol class="timeline">
          {(history.data?.items ?? []).map((h, n) => (
            <li key={n}>
              <time dateTime={h.at}>{when(h.at)}</time> <span class="kind">{(h.kinds ?? ['change']).join(', ')}</span>{' '}
              {h.changes ? Object.keys(h.changes).join(', ') : ''}{' '}
              <span class="muted">— {h.actor?.name ?? h.actor?.id ?? ''}</span>
            </li>
          ))}
        </ol>
      </Panel>
    </div>
  );
}
