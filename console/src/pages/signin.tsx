// Sign-in: the development login of a local stack (development mode only). A deployment's
// identity provider login (authorization code + PKCE) is not built yet: the page says so.
import { useState, type FormEvent } from "react";
import { developmentLogin, type Discovery } from "../client";
import { ErrorBox } from "../ui";

export function SignIn({
  discovery,
  onToken,
}: {
  discovery: Discovery;
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
  if (!discovery.auth.development_login) {
    return (
      <main className="signin">
        <h1>Flotilla</h1>
        <p>
          This Flotilla signs people in through its identity provider ({discovery.auth.issuer}
          ); the console's login with it is not available yet. Use the CLI (
          <code>flotilla login</code>) meanwhile.
        </p>
      </main>
    );
  }
  return (
    <main className="signin">
      <h1>Sign in to Flotilla</h1>
      <p>Development login: this stack runs in development mode and trusts who you say you are.</p>
      <form onSubmit={submit}>
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
      <ErrorBox error={error} />
    </main>
  );
}
