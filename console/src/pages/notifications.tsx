// Notifications (monitor-gateway): subscriptions — who is told what, where — and the delivery
// log with its dead letters, which can be sent again.
import { useState, type FormEvent } from "react";
import type { Ctx } from "../app";
import { hasRole, must } from "../client";
import { ActionButton, ErrorBox, Loading, useData } from "../ui";

const TRIGGERS = [
  "release.started",
  "release.waiting_approval",
  "release.succeeded",
  "release.partially_failed",
  "release.failed",
  "release.rolled_back",
  "alert.fired",
  "alert.resolved",
  "cluster.unreachable",
] as const;
type Trigger = (typeof TRIGGERS)[number];

function Subscribe({ ctx, onDone }: { ctx: Ctx; onDone: () => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"app" | "team" | "env">("app");
  const [scope, setScope] = useState("");
  const [triggers, setTriggers] = useState<Trigger[]>(["release.failed"]);
  const [to, setTo] = useState<"webhook" | "slack" | "email">("webhook");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [emails, setEmails] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const refusal =
    kind === "env" && !hasRole(ctx.session, "admin")
      ? "only admins subscribe to a whole environment"
      : !hasRole(ctx.session, "developer")
        ? "viewers cannot subscribe"
        : null;
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const destination =
      to === "email"
        ? { kind: to, to: emails.split(",").map((e) => e.trim()).filter(Boolean) }
        : to === "slack"
          ? { kind: to, url }
          : { kind: to, url, secret };
    try {
      await must(
        ctx.api.monitor.POST("/v1/notifications/subscriptions", {
          body: {
            name: name || `${kind} ${scope}: ${triggers.join(", ")}`.slice(0, 100),
            scope: { kind, name: scope },
            triggers,
            destination,
          } as never,
        }),
      );
      setSecret("");
      onDone();
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Subscribe">
      <h2>Subscribe</h2>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
      </label>
      <label>
        Scope
        <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          <option value="app">an app</option>
          <option value="team">a team</option>
          <option value="env">an environment</option>
        </select>
      </label>
      <label>
        Of
        <input required value={scope} onChange={(e) => setScope(e.target.value.trim())} />
      </label>
      <fieldset>
        <legend>Triggers</legend>
        {TRIGGERS.map((t) => (
          <label key={t} className="inline">
            <input
              type="checkbox"
              checked={triggers.includes(t)}
              onChange={(e) =>
                setTriggers(e.target.checked ? [...triggers, t] : triggers.filter((x) => x !== t))
              }
            />{" "}
            {t}
          </label>
        ))}
      </fieldset>
      <label>
        Send to
        <select value={to} onChange={(e) => setTo(e.target.value as typeof to)}>
          <option value="webhook">a webhook (signed)</option>
          <option value="slack">Slack (incoming webhook)</option>
          <option value="email">e-mail</option>
        </select>
      </label>
      {to !== "email" && (
        <label>
          URL
          <input required type="url" value={url} onChange={(e) => setUrl(e.target.value)} />
        </label>
      )}
      {to === "webhook" && (
        <label>
          Secret (16+ characters; kept encrypted, never shown)
          <input
            required
            type="password"
            minLength={16}
            value={secret}
            autoComplete="off"
            onChange={(e) => setSecret(e.target.value)}
          />
        </label>
      )}
      {to === "email" && (
        <label>
          Addresses (comma-separated)
          <input required value={emails} onChange={(e) => setEmails(e.target.value)} />
        </label>
      )}
      <button type="submit" disabled={!!refusal || triggers.length === 0} title={refusal ?? undefined}>
        Subscribe
      </button>
      {refusal && <span className="why">{refusal}</span>}
      <ErrorBox error={error} />
    </form>
  );
}

export function NotificationsPage({ ctx }: { ctx: Ctx }) {
  const subscriptions = useData(
    () => must(ctx.api.monitor.GET("/v1/notifications/subscriptions")),
    [],
    10000,
  );
  const [state, setState] = useState<"" | "pending" | "delivered" | "dead">("");
  const deliveries = useData(
    () =>
      must(
        ctx.api.monitor.GET("/v1/notifications/deliveries", {
          params: { query: { state: state || undefined, limit: 100 } },
        }),
      ),
    [state],
    5000,
  );
  const developer = hasRole(ctx.session, "developer") ? null : "viewers cannot change this";
  return (
    <>
      <h1>Notifications</h1>
      <Loading state={subscriptions}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No subscriptions yet.</p>
          ) : (
            <table aria-label="Subscriptions">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Triggers</th>
                  <th scope="col">To</th>
                  <th scope="col">By</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {page.items.map((s) => (
                  <tr key={s.id} data-subscription={s.id}>
                    <td>{s.name}</td>
                    <td>
                      {s.scope.kind} {s.scope.name}
                    </td>
                    <td>{s.triggers.join(", ")}</td>
                    <td>
                      {String(s.destination.kind)}{" "}
                      {String(s.destination.url ?? s.destination.host ?? s.destination.to ?? "")}
                    </td>
                    <td>{s.created_by}</td>
                    <td>
                      <ActionButton
                        label="Unsubscribe"
                        confirm={`Delete the subscription "${s.name}" and its delivery log?`}
                        refusal={developer}
                        act={() =>
                          must(
                            ctx.api.monitor.DELETE(
                              "/v1/notifications/subscriptions/{subscription_id}",
                              { params: { path: { subscription_id: s.id } } },
                            ),
                          )
                        }
                        onDone={subscriptions.reload}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
      <Subscribe ctx={ctx} onDone={subscriptions.reload} />
      <h2>Deliveries</h2>
      <label className="inline">
        Show
        <select value={state} onChange={(e) => setState(e.target.value as typeof state)}>
          <option value="">all</option>
          <option value="pending">waiting</option>
          <option value="delivered">delivered</option>
          <option value="dead">gave up</option>
        </select>
      </label>
      <Loading state={deliveries}>
        {(page) => (
          <table aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Trigger</th>
                <th scope="col">Message</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {page.items.map((d) => (
                <tr key={d.id} data-delivery={d.id} data-state={d.state}>
                  <td>{new Date(d.created_at).toLocaleString()}</td>
                  <td>{d.trigger}</td>
                  <td>{String(d.message.summary ?? "")}</td>
                  <td>{d.state}</td>
                  <td>{d.attempts}</td>
                  <td className="bad">{d.last_error}</td>
                  <td>
                    {d.state === "dead" && (
                      <ActionButton
                        label="Send again"
                        refusal={developer}
                        act={() =>
                          must(
                            ctx.api.monitor.POST(
                              "/v1/notifications/deliveries/{delivery_id}/retry",
                              { params: { path: { delivery_id: d.id } } },
                            ),
                          )
                        }
                        onDone={deliveries.reload}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
    </>
  );
}
