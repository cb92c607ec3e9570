// The shell: sign-in, navigation, and hash routes (#/releases/APP/ID, #/apps/NAME, ...), so
// the static files need no server-side fallback.
import { Suspense, lazy, useEffect, useState } from "react";
import {
  claims,
  discover,
  makeClients,
  type Clients,
  type Discovery,
  type Session,
} from "./client";
import { AppPage, AppsPage } from "./pages/apps";
import { AuditPage } from "./pages/audit";
import { ClustersPage } from "./pages/clusters";
import { DashboardPage } from "./pages/dashboard";
import { NotificationsPage } from "./pages/notifications";
import { ReleasePage } from "./pages/release";
import { SignIn } from "./pages/signin";
import { finishLogin } from "./oidc";
import { ErrorBox } from "./ui";

// The charts' library is loaded with the page that draws them, not with the dashboard.
const ObservePage = lazy(() => import("./pages/observe").then((m) => ({ default: m.ObservePage })));

export interface Ctx {
  session: Session;
  api: Clients;
  go: (hash: string) => void;
}

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/");
  useEffect(() => {
    const on = () => setHash(window.location.hash || "#/");
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash;
}

export function App() {
  const [discovery, setDiscovery] = useState<Discovery | null>(null);
  const [failed, setFailed] = useState<Error | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [loginError, setLoginError] = useState<Error | null>(null);
  const hash = useHash();
  useEffect(() => {
    discover()
      .then(async (found) => {
        // back from the identity provider? then its code becomes this session's token
        const token = await finishLogin(found.auth.browser_login).catch((e: Error) => {
          setLoginError(e);
          return null;
        });
        if (token) setSession({ token, ...claims(token) });
        setDiscovery(found);
      })
      .catch(setFailed);
  }, []);
  if (failed) return <ErrorBox error={failed} />;
  if (!discovery) return <p aria-busy="true">Loading…</p>;
  if (!session) {
    return (
      <SignIn
        discovery={discovery}
        error={loginError}
        onToken={(token) => setSession({ token, ...claims(token) })}
      />
    );
  }
  const ctx: Ctx = {
    session,
    api: makeClients(discovery, session.token),
    go: (h) => {
      window.location.hash = h;
    },
  };
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  let page;
  if (parts[0] === "releases" && parts.length === 3) {
    page = <ReleasePage key={parts[2]} ctx={ctx} app={parts[1]} id={parts[2]} />;
  } else if (parts[0] === "apps" && parts.length === 3 && parts[2] === "observe") {
    page = <ObservePage key={parts[1]} ctx={ctx} name={parts[1]} />;
  } else if (parts[0] === "apps" && parts.length === 2) {
    page = <AppPage key={parts[1]} ctx={ctx} name={parts[1]} />;
  } else if (parts[0] === "apps") {
    page = <AppsPage ctx={ctx} />;
  } else if (parts[0] === "clusters") {
    page = <ClustersPage ctx={ctx} />;
  } else if (parts[0] === "audit") {
    page = <AuditPage ctx={ctx} />;
  } else if (parts[0] === "notifications") {
    page = <NotificationsPage ctx={ctx} />;
  } else {
    page = <DashboardPage ctx={ctx} />;
  }
  const here = parts[0] ?? "";
  return (
    <>
      <header>
        <nav aria-label="Main">
          <strong>Flotilla</strong>
          <a href="#/" aria-current={here === "" || here === "releases" ? "page" : undefined}>
            Releases
          </a>
          <a href="#/apps" aria-current={here === "apps" ? "page" : undefined}>
            Applications
          </a>
          <a href="#/clusters" aria-current={here === "clusters" ? "page" : undefined}>
            Clusters
          </a>
          <a
            href="#/notifications"
            aria-current={here === "notifications" ? "page" : undefined}
          >
            Notifications
          </a>
          <a href="#/audit" aria-current={here === "audit" ? "page" : undefined}>
            Audit
          </a>
        </nav>
        <span className="who">
          {session.subject} ({session.roles.join(", ") || "no role"}
          {session.teams.length ? `; ${session.teams.join(", ")}` : ""})
          <button type="button" onClick={() => setSession(null)}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        <Suspense fallback={<p aria-busy="true">Loading…</p>}>{page}</Suspense>
      </main>
    </>
  );
}
