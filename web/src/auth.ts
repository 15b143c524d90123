// Sign-in. Locally: an ops token typed in (the local runtime's stand-in for Cognito JWTs).
// In AWS: Cognito's hosted UI, authorization code flow with PKCE; config.json (written at deploy)
// names the domain and the app client. The ID token is the bearer token (its cognito:groups claim
// carries the role the API checks).
export interface BoardConfig {
  auth: 'token' | 'cognito';
  cognito?: { domain: string; clientId: string; redirectUri: string; scopes?: string[] };
}

const KEY = 'nocturne.token';
let listeners: Array<() => void> = [];

export const getToken = (): string | null => sessionStorage.getItem(KEY);
export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
  listeners.forEach((l) => l());
}
export function signOut(): void {
  sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}
export function onAuthChange(l: () => void): () => void {
  listeners.push(l);
  return () => (listeners = listeners.filter((x) => x !== l));
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export async function startCognitoSignIn(c: NonNullable<BoardConfig['cognito']>): Promise<void> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem('nocturne.pkce', JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    scope: (c.scopes ?? ['openid', 'email']).join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${c.domain}/oauth2/authorize?${q}`);
}

/** Back from the hosted UI with ?code=…&state=…: trade the code (and the PKCE verifier) for tokens. */
export async function finishCognitoSignIn(c: NonNullable<BoardConfig['cognito']>): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const saved = JSON.parse(sessionStorage.getItem('nocturne.pkce') ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  if (!code || !saved || params.get('state') !== saved.state) return false;
  sessionStorage.removeItem('nocturne.pkce');
  const res = await fetch(`${c.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: c.clientId,
      code,
      redirect_uri: c.redirectUri,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) return false;
  const tokens = (await res.json()) as { id_token?: string };
  history.replaceState(null, '', location.pathname + location.hash);
  if (!tokens.id_token) return false;
  setToken(tokens.id_token);
  return true;
}
