// Small pieces every view uses: polling, severity and status labels, ages, charts, forms.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { ApiError } from './api';

/** Load now and again every `everyMs` while the tab is visible; `deps` restart it. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: string; at?: number }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (document.visibilityState !== 'hidden') {
        try {
          const data = await load();
          if (alive) setState({ data, at: Date.now() });
        } catch (err) {
          if (alive) setState((s) => ({ ...s, error: (err as Error).message }));
        }
      }
      if (alive) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export const SEVERITY_LABEL: Record<string, string> = {
  P1: 'P1 critical',
  P2: 'P2 high',
  P3: 'P3 medium',
  P4: 'P4 low',
  P5: 'P5 info',
};

export function Severity({ value }: { value: string }) {
  return <span class={`badge sev-${value}`}>{SEVERITY_LABEL[value] ?? value}</span>;
}

export function Status({ value }: { value: string }) {
  const icon = value === 'triggered' || value === 'down' ? '●' : value === 'acknowledged' ? '◐' : '○';
  return (
    <span class={`status st-${value}`}>
      <span aria-hidden="true">{icon} </span>
      {value}
    </span>
  );
}

export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

export const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '');

export function Panel(p: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="panel" aria-labelledby={p.id ?? slug(p.title)}>
      <h2 id={p.id ?? slug(p.title)}>{p.title}</h2>
      {p.children}
    </section>
  );
}
const slug = (s: string) => `h-${s.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

export function Loading(p: { error?: string }) {
  return p.error ? (
    <p class="error" role="alert">
      {p.error}
    </p>
  ) : (
    <p class="muted">Loading…</p>
  );
}

/** A form whose submit runs `action` and shows its outcome (problem details included). */
export function ActionForm(p: {
  label: string;
  action: (data: FormData) => Promise<unknown>;
  children?: ComponentChildren;
  onDone?: () => void;
  variant?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string }>();
  return (
    <form
      class={`action ${p.variant ?? ''}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget as HTMLFormElement;
        setBusy(true);
        try {
          await p.action(new FormData(form));
          setMsg({ ok: true, text: `${p.label}: done` });
          form.reset();
          p.onDone?.();
        } catch (err) {
          setMsg({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
        } finally {
          setBusy(false);
        }
      }}
    >
      {p.children}
      <button type="submit" disabled={busy}>
        {p.label}
      </button>
      {msg && (
        <span role="status" class={msg.ok ? 'ok' : 'error'}>
          {msg.text}
        </span>
      )}
    </form>
  );
}

/** A uPlot chart that follows its container's width. */
export function Chart(p: { opts: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current!;
    const plot = new uPlot({ ...p.opts, width: Math.max(280, el.clientWidth) } as uPlot.Options, p.data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: p.opts.height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(p.data), p.opts]);
  return <div class="chart" ref={ref} role="img" aria-label={p.label} />;
}

export const str = (f: FormData, k: string) => String(f.get(k) ?? '').trim();
