// An app's observability (monitor-gateway): metric charts over a chosen range, its alerts
// with ack, and a live log tail with filters and a search of the stored logs.
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Ctx } from "../app";
import { must, teamRefusal, type AlertOut, type LogLine, type MetricOut } from "../client";
import { follow } from "../sse";
import { ActionButton, ErrorBox, Loading, useData } from "../ui";

/** The charts, in order; each is one call to GET /v1/apps/{app}/metrics. */
const CHARTS: { metric: MetricOut["metric"]; title: string }[] = [
  { metric: "cpu_usage_cores", title: "CPU" },
  { metric: "memory_working_set_bytes", title: "Memory" },
  { metric: "restarts", title: "Restarts" },
  { metric: "http_requests_per_s", title: "Requests" },
  { metric: "http_5xx_per_s", title: "5xx answers" },
];

/** Range → (seconds, step): at most a few hundred points per series. */
const RANGES: Record<string, [number, number]> = {
  "15m": [900, 5],
  "1h": [3600, 15],
  "6h": [6 * 3600, 60],
  "24h": [24 * 3600, 300],
};

function human(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (unit === "bytes") {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = value;
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024;
      i += 1;
    }
    return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
  }
  if (unit === "count") return `${Math.round(value)}`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** A tick label: short, the unit is in the chart's caption (bytes are scaled). */
function tick(value: number, unit: string): string {
  if (unit === "bytes") return human(value, unit);
  if (unit === "count") return Number.isInteger(value) ? String(value) : "";
  return Number(value.toPrecision(3)).toString();
}

const LEGEND_MAX = 8;

function seriesName(labels: Record<string, string>): string {
  return [labels.cluster, labels.pod].filter(Boolean).join(" / ") || "all";
}

/** uPlot's columnar data: one x (unix seconds) for all series, null where one has no point. */
export function columns(doc: MetricOut): uPlot.AlignedData {
  const xs = [...new Set(doc.series.flatMap((s) => s.points.map((p) => p[0])))].sort(
    (a, b) => a - b,
  );
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = doc.series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) y[at.get(t) as number] = v;
    return y;
  });
  return [xs, ...ys];
}

const COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4"];

function Chart({ doc, title }: { doc: MetricOut; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // the x axis is the range asked for, even where the series have few points or none
  const span = useRef<[number, number]>([0, 0]);
  span.current = [Date.parse(doc.start) / 1000, Date.parse(doc.end) / 1000];
  const shape = doc.series.map((s) => seriesName(s.labels)).join("|");
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(280, box.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 180,
        legend: { show: false },
        scales: { x: { time: true, range: () => span.current } },
        axes: [
          {},
          {
            values: (_u, ticks) => ticks.map((t) => tick(t, doc.unit)),
            size: doc.unit === "bytes" ? 80 : 56,
          },
        ],
        series: [
          {},
          ...doc.series.map((s, i) => ({
            label: seriesName(s.labels),
            stroke: COLOURS[i % COLOURS.length],
            width: 1.5,
            spanGaps: false,
          })),
        ],
      },
      columns(doc),
      box.current,
    );
    const observer = new ResizeObserver(() => {
      if (box.current && plot.current) {
        plot.current.setSize({ width: Math.max(280, box.current.clientWidth), height: 180 });
      }
    });
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // a new plot only when the set of series changes; new points go through setData below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, doc.unit]);
  useEffect(() => {
    plot.current?.setData(columns(doc));
  }, [doc]);
  const latest = doc.series.map(
    (s, i) => [seriesName(s.labels), s.points.at(-1)?.[1], COLOURS[i % COLOURS.length]] as const,
  );
  const shown = [...latest].sort((a, b) => (b[1] ?? -Infinity) - (a[1] ?? -Infinity));
  return (
    <figure className="chart" data-metric={doc.metric}>
      <figcaption>
        <strong>{title}</strong> <small>({doc.unit})</small>
      </figcaption>
      {doc.series.length === 0 ? (
        <p className="muted">no data in this range</p>
      ) : (
        <div ref={box} className="plot" role="img" aria-label={`${title} over time`} />
      )}
      {latest.length > 0 && (
        <ul className="legend" aria-label={`${title}: latest values`}>
          {shown.slice(0, LEGEND_MAX).map(([name, value, colour]) => (
            <li key={name}>
              <span className="swatch" style={{ background: colour }} />
              {name}: {human(value, doc.unit)}
            </li>
          ))}
          {shown.length > LEGEND_MAX && (
            <li className="muted">and {shown.length - LEGEND_MAX} more series</li>
          )}
        </ul>
      )}
    </figure>
  );
}

function Charts({ ctx, app, env, cluster }: { ctx: Ctx; app: string; env: string; cluster: string }) {
  const [range, setRange] = useState("15m");
  const [seconds, step] = RANGES[range];
  const docs = useData(
    () => {
      const end = new Date();
      const start = new Date(end.getTime() - seconds * 1000);
      return Promise.all(
        CHARTS.map((c): Promise<MetricOut> =>
          must(
            ctx.api.monitor.GET("/v1/apps/{app}/metrics", {
              params: {
                path: { app },
                query: {
                  metric: c.metric,
                  env: env || undefined,
                  cluster: cluster || undefined,
                  start: start.toISOString(),
                  end: end.toISOString(),
                  step_s: step,
                },
              },
            }),
          ) as Promise<MetricOut>,
        ),
      );
    },
    [app, env, cluster, range],
    Math.max(5000, step * 1000),
  );
  return (
    <section aria-labelledby="metrics-h">
      <h2 id="metrics-h">Metrics</h2>
      <label className="inline">
        Time range
        <select value={range} onChange={(e) => setRange(e.target.value)}>
          {Object.keys(RANGES).map((r) => (
            <option key={r} value={r}>
              last {r}
            </option>
          ))}
        </select>
      </label>
      <Loading state={docs}>
        {(all) => (
          <div className="charts">
            {all.map((doc, i) => (
              <Chart key={doc.metric} doc={doc} title={CHARTS[i].title} />
            ))}
          </div>
        )}
      </Loading>
    </section>
  );
}

function Alerts({ ctx, app, refusal }: { ctx: Ctx; app: string; refusal: string | null }) {
  const [state, setState] = useState<"active" | "resolved" | "all">("all");
  const alerts = useData(
    () =>
      must(
        ctx.api.monitor.GET("/v1/alerts", {
          params: { query: { app, state, limit: 50 } },
        }),
      ),
    [app, state],
    5000,
  );
  return (
    <section aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alerts</h2>
      <label className="inline">
        Show
        <select value={state} onChange={(e) => setState(e.target.value as typeof state)}>
          <option value="all">all</option>
          <option value="active">firing</option>
          <option value="resolved">resolved</option>
        </select>
      </label>
      <Loading state={alerts}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No alerts.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Reason</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Where</th>
                  <th scope="col">Message</th>
                  <th scope="col">Fired</th>
                  <th scope="col">State</th>
                  <th scope="col">Acknowledged</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((a: AlertOut) => (
                  <tr key={a.id} data-alert={a.id} data-reason={a.reason}>
                    <td>{a.reason}</td>
                    <td className={`severity-${a.severity}`}>{a.severity}</td>
                    <td>
                      {a.env} / {a.cluster} / {a.pod}
                    </td>
                    <td>{a.message}</td>
                    <td>{new Date(a.fired_at).toLocaleString()}</td>
                    <td>{a.resolved_at ? "resolved" : "firing"}</td>
                    <td>
                      {a.acknowledged_by ? (
                        `by ${a.acknowledged_by}`
                      ) : (
                        <ActionButton
                          label="Ack"
                          act={() =>
                            must(
                              ctx.api.monitor.POST("/v1/alerts/{alert_id}/ack", {
                                params: { path: { alert_id: a.id } },
                              }),
                            )
                          }
                          refusal={refusal}
                          onDone={alerts.reload}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </section>
  );
}

const KEEP = 500; // lines kept on screen

function Logs({ ctx, app, env, cluster }: { ctx: Ctx; app: string; env: string; cluster: string }) {
  const [pod, setPod] = useState("");
  const [level, setLevel] = useState("");
  const [filter, setFilter] = useState("");
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [live, setLive] = useState(false);
  const [found, setFound] = useState<LogLine[] | null>(null);
  const [searchError, setSearchError] = useState<Error | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => {
    setLines([]);
    const query = new URLSearchParams();
    if (env) query.set("env", env);
    if (cluster) query.set("cluster", cluster);
    if (pod) query.set("pod", pod);
    if (level) query.set("level", level);
    const base = ctx.api.urls["monitor-gateway"];
    const own = base === ctx.api.urls["release-api"] ? "" : base;
    const url = `${own}/v1/apps/${encodeURIComponent(app)}/logs/tail?${query}`;
    setLive(true);
    const stream = follow(
      url,
      ctx.api.token,
      (event) => {
        if (pausedRef.current) return;
        setLines((old) => [...old.slice(-(KEEP - 1)), event.data as LogLine]);
      },
      () => setLive(false),
    );
    return () => stream.stop();
  }, [ctx.api, app, env, cluster, pod, level]);
  const shown = useMemo(() => {
    const needle = filter.toLowerCase();
    return needle ? lines.filter((l) => l.message.toLowerCase().includes(needle)) : lines;
  }, [lines, filter]);
  async function search(event: FormEvent) {
    event.preventDefault();
    setSearchError(null);
    try {
      const page = await must(
        ctx.api.monitor.GET("/v1/apps/{app}/logs", {
          params: {
            path: { app },
            query: {
              contains: filter || undefined,
              env: env || undefined,
              cluster: cluster || undefined,
              pod: pod || undefined,
              level: level || undefined,
              limit: 100,
            },
          },
        }),
      );
      setFound(page.items);
    } catch (e) {
      setSearchError(e as Error);
    }
  }
  const row = (l: LogLine, i: number) => (
    <li key={`${l.ts}-${l.pod}-${i}`} className={`log level-${l.level}`}>
      <time dateTime={l.ts}>{new Date(l.ts).toLocaleTimeString()}</time>{" "}
      <span className="where">
        {l.cluster}/{l.pod}
      </span>{" "}
      <span className="level">{l.level}</span> <span className="message">{l.message}</span>
    </li>
  );
  return (
    <section aria-labelledby="logs-h">
      <h2 id="logs-h">Logs</h2>
      <form className="row" onSubmit={search} aria-label="Log filters">
        <label>
          Pod
          <input value={pod} onChange={(e) => setPod(e.target.value.trim())} />
        </label>
        <label>
          Level
          <select value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="">any</option>
            <option value="error">error</option>
            <option value="warn,error">warn and error</option>
            <option value="info">info</option>
            <option value="debug">debug</option>
          </select>
        </label>
        <label>
          Find
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </label>
        <button type="submit">Search stored logs</button>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? "Resume tail" : "Pause tail"}
        </button>
      </form>
      <p className="muted" aria-live="polite">
        {live ? (paused ? "paused" : "live") : "tail ended"}: {shown.length} of {lines.length}{" "}
        lines
      </p>
      <ol className="logs" aria-label="Live log tail">
        {shown.map(row)}
      </ol>
      <ErrorBox error={searchError} />
      {found && (
        <>
          <h3>Stored lines {filter && <>containing “{filter}”</>}</h3>
          {found.length === 0 ? (
            <p className="muted">Nothing found in the last hour.</p>
          ) : (
            <ol className="logs" aria-label="Stored log lines">
              {found.map(row)}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

export function ObservePage({ ctx, name }: { ctx: Ctx; name: string }) {
  const app = useData(
    () => must(ctx.api.release.GET("/v1/apps/{name}", { params: { path: { name } } })),
    [name],
  );
  const deployed = useData(
    () =>
      must(ctx.api.release.GET("/v1/apps/{app}/deployed", { params: { path: { app: name } } })),
    [name],
    30000,
  );
  const [env, setEnv] = useState("");
  const [cluster, setCluster] = useState("");
  return (
    <Loading state={app}>
      {(a) => {
        const envs = Object.keys((a.spec as { replicas?: Record<string, number> }).replicas ?? {});
        const clusters = [
          ...new Set(
            (deployed.data?.items ?? []).filter((d) => !env || d.env === env).map((d) => d.cluster),
          ),
        ].sort();
        return (
          <>
            <h1>
              {a.name} <small>observability</small>
            </h1>
            <p>
              <a href={`#/apps/${a.name}`}>← back to the app</a>
            </p>
            <div className="row">
              <label>
                Environment
                <select value={env} onChange={(e) => setEnv(e.target.value)}>
                  <option value="">all</option>
                  {envs.map((e) => (
                    <option key={e}>{e}</option>
                  ))}
                </select>
              </label>
              <label>
                Cluster
                <select value={cluster} onChange={(e) => setCluster(e.target.value)}>
                  <option value="">all</option>
                  {clusters.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </label>
            </div>
            <Charts ctx={ctx} app={a.name} env={env} cluster={cluster} />
            <Alerts ctx={ctx} app={a.name} refusal={teamRefusal(ctx.session, a.team)} />
            <Logs ctx={ctx} app={a.name} env={env} cluster={cluster} />
          </>
        );
      }}
    </Loading>
  );
}
