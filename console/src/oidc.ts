// Sign-in with the deployment's identity provider: the OAuth 2.0 authorization code grant
// with PKCE (RFC 6749 §4.1, RFC 7636, method S256) as a public client, as OAuth 2.0 for
// Browser-Based Apps recommends. Only the one-time `state` and `code_verifier` survive the
// redirect (sessionStorage, removed on return); the access token lives in memory only, so a
// reload signs in again (the provider's own session makes that one redirect).
import type { Discovery } from "./client";

export type BrowserLogin = NonNullable<Discovery["auth"]["browser_login"]>;

const PENDING = "flotilla.pkce";

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** S256: BASE64URL(SHA-256(ASCII(code_verifier))). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Where the provider sends the browser back: this page, without query or fragment. */
export function redirectUri(): string {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Leave for the provider's authorization endpoint. */
export async function beginLogin(login: BrowserLogin): Promise<void> {
  const verifier = random(48); // 64 characters, within RFC 7636's 43..128
  const state = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: window.location.hash }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: login.client_id,
    redirect_uri: redirectUri(),
    scope: login.scope,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  });
  if (login.audience) query.set("audience", login.audience);
  window.location.assign(`${login.authorization_endpoint}?${query}`);
}

export class LoginError extends Error {}

/** On return from the provider: the access token for `?code=&state=`, or null when this load
 * is not a return. The query is removed from the address bar either way. */
export async function finishLogin(login: BrowserLogin | null | undefined): Promise<string | null> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const problem = params.get("error");
  if (!code && !problem) return null;
  const pending = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const saved = pending
    ? (JSON.parse(pending) as { verifier: string; state: string; back: string })
    : null;
  window.history.replaceState(null, "", `${redirectUri()}${saved?.back ?? ""}`);
  window.dispatchEvent(new HashChangeEvent("hashchange")); // replaceState does not fire it
  if (problem) {
    throw new LoginError(`the identity provider refused: ${params.get("error_description") ?? problem}`);
  }
  if (!login) throw new LoginError("this Flotilla has no identity provider login configured");
  if (!saved || saved.state !== params.get("state")) {
    throw new LoginError("this sign-in was not started here (state mismatch): sign in again");
  }
  const response = await fetch(login.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: code as string,
      redirect_uri: redirectUri(),
      client_id: login.client_id,
      code_verifier: saved.verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    const why = body.error_description ?? body.error ?? `HTTP ${response.status}`;
    throw new LoginError(`the identity provider gave no token: ${why}`);
  }
  return body.access_token;
}
