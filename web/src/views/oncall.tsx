// On-call: a schedule's next two weeks as a calendar (overrides marked), and a form to add one.
import { useState } from 'preact/hooks';
import { get, post, type Page } from '../api';
import { ActionForm, Loading, Panel, str, usePoll } from '../ui';

interface Shift {
  userId: string;
  userName?: string;
  start: string;
  end: string;
  layerId?: string;
  overrideId?: string;
}
const DAY = 86400_000;
const DAYS = 14;

export function OnCallView() {
  const schedules = usePoll(
    () => get<Page<{ id: string; name: string; timeZone: string }>>('/schedules?limit=100'),
    60_000,
  );
  const users = usePoll(() => get<Page<{ id: string; name: string }>>('/users?limit=100'), 60_000);
  const [picked, setPicked] = useState<string>();
  const scheduleId = picked ?? schedules.data?.items[0]?.id;
  const from = new Date(Math.floor(Date.now() / DAY) * DAY);
  const to = new Date(from.getTime() + DAYS * DAY);
  const shifts = usePoll(
    () =>
      scheduleId
        ? get<{ shifts: Shift[]; timeZone: string }>(
            `/schedules/${scheduleId}/shifts?from=${from.toISOString()}&to=${to.toISOString()}`,
          )
        : Promise.resolve({ shifts: [], timeZone: 'UTC' }),
    30_000,
    [scheduleId],
  );
  if (!schedules.data) return <Loading error={schedules.error} />;
  const days = Array.from({ length: DAYS }, (_, n) => new Date(from.getTime() + n * DAY));
  return (
    <div class="grid">
      <Panel title="Schedule">
        <label>
          Schedule{' '}
          <select value={scheduleId} onChange={(e) => setPicked((e.target as HTMLSelectElement).value)}>
            {schedules.data.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.timeZone})
              </option>
            ))}
          </select>
        </label>
        {!shifts.data ? (
          <Loading error={shifts.error} />
        ) : (
          <ol class="calendar" aria-label="Next 14 days (UTC)">
            {days.map((d) => {
              const end = d.getTime() + DAY;
              const today = shifts.data!.shifts.filter(
                (s) => Date.parse(s.start) < end && Date.parse(s.end) > d.getTime(),
              );
              return (
                <li key={d.toISOString()} class="day">
                  <h3>
                    {d.toLocaleDateString(undefined, {
                      weekday: 'short',
                      day: 'numeric',
                      month: 'short',
                      timeZone: 'UTC',
                    })}
                  </h3>
                  <ul class="plain">
                    {today.map((s, n) => (
                      <li key={n} class={s.overrideId ? 'override' : 'shift'}>
                        {s.userName ?? s.userId}
                        {s.overrideId && <strong> (override)</strong>}{' '}
                        <span class="muted">
                          {hhmm(Math.max(Date.parse(s.start), d.getTime()))}–{hhmm(Math.min(Date.parse(s.end), end))}
                        </span>
                      </li>
                    ))}
                  </ul>
                </li>
              );
            })}
          </ol>
        )}
      </Panel>
      <Panel title="Add an override">
        <ActionForm
          label="Create override"
          onDone={shifts.reload}
          action={(f) =>
            post(`/schedules/${scheduleId}/overrides`, {
              userId: str(f, 'userId'),
              start: new Date(str(f, 'start')).toISOString(),
              end: new Date(str(f, 'end')).toISOString(),
              ...(str(f, 'reason') ? { reason: str(f, 'reason') } : {}),
            })
          }
        >
          <label>
            Who{' '}
            <select name="userId">
              {(users.data?.items ?? []).map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            From <input type="datetime-local" name="start" required />
          </label>
          <label>
            Until <input type="datetime-local" name="end" required />
          </label>
          <label>
            Reason <input name="reason" />
          </label>
        </ActionForm>
      </Panel>
    </div>
  );
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
