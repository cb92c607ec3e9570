// Sign-in: the deployment's identity provider (authorization code + PKCE, see oidc.ts) when
// release-api publishes one, and the development login of a local stack (development mode
// only). With neither, the page says how this Flotilla signs people in.
import { useState, type FormEvent } from "react";
import { developmentLogin, type Discovery } from "../client";
import { beginLogin } from "../oidc";
import { ErrorBox } from "../ui";

export function SignIn({
  discovery,
  error: returned,
  onToken,
}: {
  discovery: Discovery;
  error?: Error | null;
  onToken: (token: string) => void;
}) {
  const [user, setUser] = useState("");
  const [role, setRole] = useState("developer");
  const [teams, setTeams] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const list = teams.split(",").map((t) => t.trim()).filter(Boolean);
      onToken(await developmentLogin(user.trim(), role, list));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  const provider = discovery.auth.browser_login;
  return (
    <main className="signin">
      <h1>Sign in to Flotilla</h1>
      <ErrorBox error={returned ?? null} />
      {provider && (
        <section aria-label="Identity provider">
          <button
            type="button"
            onClick={() => beginLogin(provider).catch((e: Error) => setError(e))}
          >
            Sign in with {new URL(provider.authorization_endpoint).host}
          </button>
        </section>
      )}
      {!provider && !discovery.auth.development_login && (
        <p>
          This Flotilla signs people in through its identity provider ({discovery.auth.issuer}),
          but no browser login is configured (<code>RELEASE_API_BROWSER_LOGIN</code>). Use the
          CLI (<code>flotilla login</code>) meanwhile.
        </p>
      )}
      {discovery.auth.development_login && (
        <>
          <p>
            Development login: this stack runs in development mode and trusts who you say you
            are.
          </p>
          <form onSubmit={submit} aria-label="Development login">
            <label>
              User
              <input
                name="user"
                required
                pattern="[A-Za-z0-9._@\-]{1,64}"
                value={user}
                onChange={(e) => setUser(e.target.value)}
                autoFocus
              />
            </label>
            <label>
              Role
              <select name="role" value={role} onChange={(e) => setRole(e.target.value)}>
                <option value="viewer">viewer</option>
                <option value="developer">developer</option>
                <option value="admin">admin</option>
              </select>
            </label>
            <label>
              Teams (comma-separated)
              <input name="teams" value={teams} onChange={(e) => setTeams(e.target.value)} />
            </label>
            <button type="submit" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </form>
        </>
      )}
      <ErrorBox error={error} />
    </main>
  );
}
