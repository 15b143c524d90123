// The command board: a single-page app on the public ops API. Hash routes keep it a set of
// static files (S3 + CloudFront in AWS, the local runtime here) with no server-side routing.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import {
  finishCognitoSignIn,
  getToken,
  onAuthChange,
  setToken,
  signOut,
  startCognitoSignIn,
  type BoardConfig,
} from './auth';
import { IncidentView } from './views/incident';
import { NowView } from './views/now';
import { OnCallView } from './views/oncall';
import { ServicesView } from './views/services';
import { TicketsView, TicketView } from './views/tickets';

const NAV = [
  ['#/now', 'Now'],
  ['#/oncall', 'On-call'],
  ['#/tickets', 'Tickets'],
  ['#/services', 'Services'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/now');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/now');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Route({ hash }: { hash: string }) {
  const [, view, id] = hash.split('/');
  if (view === 'incidents' && id) return <IncidentView id={decodeURIComponent(id)} />;
  if (view === 'tickets' && id) return <TicketView id={decodeURIComponent(id)} />;
  if (view === 'tickets') return <TicketsView />;
  if (view === 'oncall') return <OnCallView />;
  if (view === 'services') return <ServicesView />;
  return <NowView />;
}

function SignIn({ config }: { config: BoardConfig }) {
  const [error, setError] = useState<string>();
  if (config.auth === 'cognito' && config.cognito)
    return (
      <main class="signin">
        <h1>Nocturne command board</h1>
        <button type="button" onClick={() => void startCognitoSignIn(config.cognito!)}>
          Sign in
        </button>
      </main>
    );
  return (
    <main class="signin">
      <h1>Nocturne command board</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const token = String(new FormData(e.currentTarget as HTMLFormElement).get('token') ?? '').trim();
          setToken(token);
          // Check the token against the API before showing the board.
          try {
            await get('/teams?limit=1');
          } catch (err) {
            signOut();
            setError((err as Error).message);
          }
        }}
      >
        <label>
          Ops API token <input name="token" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
      <p class="muted">Locally, the ops tokens are printed by npm start (e.g. demo-responder-token).</p>
    </main>
  );
}

function App({ config }: { config: BoardConfig }) {
  const [token, setTokenState] = useState(getToken());
  const hash = useHash();
  useEffect(() => onAuthChange(() => setTokenState(getToken())), []);
  if (!token) return <SignIn config={config} />;
  const top = `#/${hash.split('/')[1] ?? 'now'}`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Nocturne</strong>
        <nav aria-label="Views">
          {NAV.map(([href, label]) => (
            <a key={href} href={href} aria-current={top === href ? 'page' : undefined}>
              {label}
            </a>
          ))}
          <a href="/status" target="_blank" rel="noopener">
            Status page
          </a>
        </nav>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 class="visually-hidden">{NAV.find(([h]) => h === top)?.[1] ?? 'Incident'}</h1>
        <Route hash={hash} />
      </main>
    </>
  );
}

async function boot() {
  const config = (await fetch('./config.json')
    .then((r) => (r.ok ? r.json() : { auth: 'token' }))
    .catch(() => ({ auth: 'token' }))) as BoardConfig;
  if (config.auth === 'cognito' && config.cognito) await finishCognitoSignIn(config.cognito);
  render(<App config={config} />, document.getElementById('app')!);
}
void boot();
