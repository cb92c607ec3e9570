// The audit trail of the three services that keep one (release-api, cluster-registry,
// monitor-gateway), merged newest first; filtered by target and time on the server, by
// actor, action and outcome here. "Older" pages each service on by its own cursor.
import { useEffect, useMemo, useState } from "react";
import type { Ctx } from "../app";
import { must, type AuditEntry, type AuditPage } from "../client";
import { ErrorBox } from "../ui";

const SOURCES = ["release-api", "cluster-registry", "monitor-gateway"] as const;
type Source = (typeof SOURCES)[number];
type Row = AuditEntry & { source: Source };
const PAGE = 100;

function call(
  ctx: Ctx,
  source: Source,
  query: Record<string, string | number | undefined>,
): Promise<AuditPage> {
  const params = { params: { query } } as never;
  if (source === "release-api") return must(ctx.api.release.GET("/v1/audit", params));
  if (source === "cluster-registry") return must(ctx.api.registry.GET("/v1/audit", params));
  return must(ctx.api.monitor.GET("/v1/audit", params));
}

export function AuditPage({ ctx }: { ctx: Ctx }) {
  const [target, setTarget] = useState("");
  const [since, setSince] = useState("");
  const [text, setText] = useState("");
  const [rows, setRows] = useState<Row[] | null>(null);
  const [cursors, setCursors] = useState<Partial<Record<Source, string | null>>>({});
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);

  async function load(older: boolean) {
    setError(null);
    const base = {
      target: target || undefined,
      since: since ? new Date(since).toISOString() : undefined,
      limit: PAGE,
    };
    const wanted = older ? SOURCES.filter((s) => cursors[s]) : SOURCES;
    try {
      const pages = await Promise.all(
        wanted.map((s) => call(ctx, s, { ...base, cursor: older ? cursors[s] ?? undefined : undefined })),
      );
      const fresh = pages.flatMap((p, i) => p.items.map((e) => ({ ...e, source: wanted[i] })));
      const next = { ...(older ? cursors : {}) };
      pages.forEach((p, i) => (next[wanted[i]] = p.next_cursor));
      setCursors(next);
      setRows((old) =>
        [...(older ? (old ?? []) : []), ...fresh].sort((a, b) => b.at.localeCompare(a.at)),
      );
    } catch (e) {
      setError(e as Error);
    }
  }
  useEffect(() => {
    void load(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [target, since, tick]);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 10_000);
    return () => clearInterval(timer);
  }, []);
  const shown = useMemo(() => {
    const needle = text.toLowerCase();
    return (rows ?? []).filter(
      (r) =>
        !needle ||
        [r.actor, r.action, r.outcome, r.target, r.source].some((v) =>
          v.toLowerCase().includes(needle),
        ),
    );
  }, [rows, text]);
  return (
    <>
      <h1>Audit</h1>
      <form className="row" aria-label="Audit filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Target
          <input
            value={target}
            placeholder="e.g. shop or cluster idc-a-1"
            onChange={(e) => setTarget(e.target.value)}
          />
        </label>
        <label>
          Since
          <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
        <label>
          Actor, action or outcome
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
      </form>
      <ErrorBox error={error} />
      {rows === null ? (
        !error && <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Service</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={`${r.source}-${r.id}`} data-action={r.action}>
                  <td>{new Date(r.at).toLocaleString()}</td>
                  <td>{r.source}</td>
                  <td>{r.actor}</td>
                  <td>{r.action}</td>
                  <td>{r.target}</td>
                  <td>{r.outcome}</td>
                  <td>
                    <code className="detail">{JSON.stringify(r.detail)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            {shown.length} of {rows.length} entries
          </p>
          {SOURCES.some((s) => cursors[s]) && (
            <button type="button" onClick={() => void load(true)}>
              Older entries
            </button>
          )}
        </>
      )}
    </>
  );
}
