// Applications: the list (with search) and a form to create one; an app's page with what
// runs where, its releases, a form to release it, scale, debug mode, its isolated pods, and
// its spec (app.yaml as fields, the rest as JSON) with the server's errors on the fields.
import { useState, type FormEvent } from "react";
import type { Ctx } from "../app";
import { ApiError, must, teamRefusal, type AppOut, type Deployed } from "../client";
import { ActionButton, ErrorBox, Loading, Phase, elapsed, useData } from "../ui";

const TEMPLATE = JSON.stringify(
  {
    name: "shop",
    team: "commerce",
    type: "node",
    replicas: { prod: 2 },
    app_yaml: { stack: "debian-12", runtime: "node-20", entrypoint: "node ." },
  },
  null,
  2,
);

function CreateApp({ ctx, onCreated }: { ctx: Ctx; onCreated: (a: AppOut) => void }) {
  const [text, setText] = useState(TEMPLATE);
  const [error, setError] = useState<Error | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setError(new Error(`not JSON: ${(e as Error).message}`));
      return;
    }
    try {
      onCreated(await must(ctx.api.release.POST("/v1/apps", { body: body as never })));
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Create an application">
      <label>
        New application (the POST /v1/apps body)
        <textarea
          name="app"
          rows={9}
          cols={70}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <button type="submit">Create</button>
      <ErrorBox error={error} />
    </form>
  );
}

export function AppsPage({ ctx }: { ctx: Ctx }) {
  const [search, setSearch] = useState("");
  const apps = useData(
    () => must(ctx.api.release.GET("/v1/apps", { params: { query: { limit: 200 } } })),
    [],
    5000,
  );
  return (
    <>
      <h1>Applications</h1>
      <label>
        Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </label>
      <Loading state={apps}>
        {(page) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Team</th>
                <th scope="col">Type</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {page.items
                .filter((a) => a.name.includes(search) || a.team.includes(search))
                .map((a) => (
                  <tr key={a.name}>
                    <td>
                      <a href={`#/apps/${a.name}`}>{a.name}</a>
                    </td>
                    <td>{a.team}</td>
                    <td>{a.type}</td>
                    <td>{a.version}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Loading>
      <CreateApp ctx={ctx} onCreated={(a) => ctx.go(`#/apps/${a.name}`)} />
    </>
  );
}

function ReleaseForm({ ctx, app, refusal }: { ctx: Ctx; app: AppOut; refusal: string | null }) {
  const envs = Object.keys((app.spec as { replicas?: Record<string, number> }).replicas ?? {});
  const [env, setEnv] = useState(envs[0] ?? "prod");
  const [image, setImage] = useState("");
  const [strategy, setStrategy] = useState("rolling");
  const [manual, setManual] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const options = manual ? { promote: "manual" } : undefined;
      const created = await must(
        ctx.api.release.POST("/v1/apps/{app}/releases", {
          params: { path: { app: app.name } },
          body: { image, env, strategy, options } as never,
        }),
      );
      ctx.go(`#/releases/${app.name}/${created.id}`);
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Release">
      <h2>Release</h2>
      <label>
        Environment
        <input name="env" required value={env} onChange={(e) => setEnv(e.target.value)} />
      </label>
      <label>
        Image
        <input
          name="image"
          required
          placeholder="shop/web:2.0"
          value={image}
          onChange={(e) => setImage(e.target.value)}
        />
      </label>
      <label>
        Strategy
        <select name="strategy" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
          <option value="rolling">rolling</option>
          <option value="blue-green">blue-green</option>
          <option value="gray">gray</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={manual} onChange={(e) => setManual(e.target.checked)} />{" "}
        promote by hand
      </label>
      <button type="submit" disabled={!!refusal} title={refusal ?? undefined}>
        Release
      </button>
      {refusal && <span className="why">{refusal}</span>}
      <ErrorBox error={error} />
    </form>
  );
}

const YAML_FIELDS = [
  ["stack", "Stack (the base)"],
  ["runtime", "Runtime (language-version)"],
  ["entrypoint", "Entrypoint (start command)"],
] as const;
const EDITABLE = [
  "port",
  "resources",
  "replicas",
  "health_check",
  "lifecycle",
  "security",
  "sidecars",
  "env",
  "config_refs",
  "pod_annotations",
  "hosts",
] as const;

/** app.yaml as fields and the rest of the spec as JSON, saved with If-Match: a field the
 * server refuses shows its message under that field; nothing is changed then. */
function SpecEditor({
  ctx,
  app,
  refusal,
  onSaved,
}: {
  ctx: Ctx;
  app: AppOut;
  refusal: string | null;
  onSaved: () => void;
}) {
  const spec = app.spec as Record<string, unknown> & { app_yaml: Record<string, string> };
  const [yaml, setYaml] = useState<Record<string, string>>({ ...spec.app_yaml });
  const rest = Object.fromEntries(EDITABLE.filter((k) => k in spec).map((k) => [k, spec[k]]));
  const [text, setText] = useState(JSON.stringify(rest, null, 2));
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);
  const fields = error instanceof ApiError ? error.fields : [];
  const on = (name: string) =>
    fields.filter((f) => f.loc === `body.app_yaml.${name}` || f.loc.startsWith(`body.app_yaml.${name}.`));
  const elsewhere = fields.filter((f) => !f.loc.startsWith("body.app_yaml."));
  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    let others: Record<string, unknown>;
    try {
      others = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      setError(new Error(`the other fields are not JSON: ${(e as Error).message}`));
      return;
    }
    try {
      await must(
        ctx.api.release.PATCH("/v1/apps/{name}", {
          params: { path: { name: app.name }, header: { "if-match": `W/"${app.version}"` } },
          body: { ...others, app_yaml: yaml } as never,
        }),
      );
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <form onSubmit={save} aria-label="Edit the spec" className="spec-editor">
      <h2>Spec (version {app.version})</h2>
      <fieldset>
        <legend>app.yaml</legend>
        {YAML_FIELDS.map(([name, label]) => {
          const wrong = on(name);
          return (
            <div key={name} className="field">
              <label>
                {label}
                <input
                  name={`app_yaml.${name}`}
                  value={yaml[name] ?? ""}
                  aria-invalid={wrong.length > 0}
                  aria-describedby={wrong.length ? `err-app_yaml-${name}` : undefined}
                  onChange={(e) => setYaml({ ...yaml, [name]: e.target.value })}
                />
              </label>
              {wrong.length > 0 && (
                <span id={`err-app_yaml-${name}`} className="field-error">
                  {wrong.map((f) => f.msg).join("; ")}
                </span>
              )}
            </div>
          );
        })}
      </fieldset>
      <label>
        Other fields (JSON)
        <textarea
          rows={10}
          cols={70}
          value={text}
          aria-invalid={elsewhere.length > 0}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <button type="submit" disabled={!!refusal} title={refusal ?? undefined}>
        Save spec
      </button>
      {saved && <span role="status">Saved.</span>}
      {error && (elsewhere.length > 0 || fields.length === 0) && <ErrorBox error={error} />}
      {error && fields.length > 0 && elsewhere.length === 0 && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
    </form>
  );
}

function DeployedTable({ items }: { items: Deployed[] }) {
  if (items.length === 0) return <p className="muted">Not released anywhere yet.</p>;
  return (
    <table aria-label="Running versions">
      <thead>
        <tr>
          <th scope="col">Env</th>
          <th scope="col">IDC</th>
          <th scope="col">Cluster</th>
          <th scope="col">Version</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {items.map((d) => (
          <tr key={`${d.env}/${d.cluster}`} data-deployed={`${d.env}/${d.cluster}`}>
            <td>{d.env}</td>
            <td>{d.idc}</td>
            <td>{d.cluster}</td>
            <td>
              {d.image}
              {d.debug && <span className="badge">debug</span>}
            </td>
            <td>{d.since ? new Date(d.since).toLocaleString() : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function IsolatedPods({
  ctx,
  app,
  env,
  refusal,
}: {
  ctx: Ctx;
  app: string;
  env: string;
  refusal: string | null;
}) {
  const pods = useData(
    () =>
      must(
        ctx.api.release.GET("/v1/apps/{app}/envs/{env}/isolated-pods", {
          params: { path: { app, env } },
        }),
      ),
    [app, env],
    5000,
  );
  return (
    <Loading state={pods}>
      {(items) =>
        items.length === 0 ? (
          <p className="muted">No isolated pods in {env}.</p>
        ) : (
          <table aria-label={`Isolated pods in ${env}`}>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Pod</th>
                <th scope="col">Phase</th>
                <th scope="col">Isolated</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={`${p.cluster}/${p.pod}`}>
                  <td>{p.cluster}</td>
                  <td>{p.pod}</td>
                  <td>{p.phase}</td>
                  <td>
                    {p.isolated_by} {p.isolated_at && new Date(p.isolated_at).toLocaleString()}
                  </td>
                  <td>
                    <ActionButton
                      label="Delete"
                      confirm={`Delete the isolated pod ${p.pod}?`}
                      refusal={refusal}
                      act={() =>
                        must(
                          ctx.api.release.DELETE(
                            "/v1/apps/{app}/envs/{env}/clusters/{cluster}/isolated-pods/{pod}",
                            { params: { path: { app, env, cluster: p.cluster, pod: p.pod } } },
                          ),
                        )
                      }
                      onDone={pods.reload}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Loading>
  );
}

export function AppPage({ ctx, name }: { ctx: Ctx; name: string }) {
  const app = useData(
    () => must(ctx.api.release.GET("/v1/apps/{name}", { params: { path: { name } } })),
    [name],
    10000,
  );
  const releases = useData(
    () =>
      must(
        ctx.api.release.GET("/v1/apps/{app}/releases", {
          params: { path: { app: name }, query: { limit: 25 } },
        }),
      ),
    [name],
    3000,
  );
  const deployed = useData(
    () =>
      must(ctx.api.release.GET("/v1/apps/{app}/deployed", { params: { path: { app: name } } })),
    [name],
    3000,
  );
  const [scaleEnv, setScaleEnv] = useState("prod");
  const [replicas, setReplicas] = useState(2);
  return (
    <Loading state={app}>
      {(a) => {
        const refusal = teamRefusal(ctx.session, a.team);
        const envs = Object.keys((a.spec as { replicas?: Record<string, number> }).replicas ?? {});
        const running = deployed.data?.items ?? [];
        const debugIn = (env: string) => running.find((d) => d.env === env);
        return (
          <>
            <h1>
              {a.name} <small>team {a.team}</small>
            </h1>
            <p>
              <a href={`#/apps/${a.name}/observe`}>Metrics, alerts and logs</a>
            </p>
            <h2>Running versions</h2>
            <Loading state={deployed}>{(page) => <DeployedTable items={page.items} />}</Loading>
            <ReleaseForm ctx={ctx} app={a} refusal={refusal} />
            <h2>Releases</h2>
            <Loading state={releases}>
              {(page) => (
                <table aria-label="Release history">
                  <thead>
                    <tr>
                      <th scope="col">Env</th>
                      <th scope="col">Image</th>
                      <th scope="col">Strategy</th>
                      <th scope="col">Phase</th>
                      <th scope="col">Started</th>
                      <th scope="col">Took</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((r) => (
                      <tr key={r.id}>
                        <td>{r.env}</td>
                        <td>
                          <a href={`#/releases/${name}/${r.id}`}>{r.image}</a>
                          {r.debug && <span className="badge">debug</span>}
                        </td>
                        <td>{r.strategy}</td>
                        <td>
                          <Phase phase={r.phase} />
                        </td>
                        <td>{new Date(r.created_at).toLocaleString()}</td>
                        <td>{elapsed(r.created_at, r.finished_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Loading>
            <h2>Scale</h2>
            <div className="row">
              <label>
                Environment
                <input value={scaleEnv} onChange={(e) => setScaleEnv(e.target.value)} />
              </label>
              <label>
                Replicas
                <input
                  type="number"
                  min={0}
                  max={1000}
                  value={replicas}
                  onChange={(e) => setReplicas(Number(e.target.value))}
                />
              </label>
              <ActionButton
                label="Scale"
                confirm={`Scale ${a.name} in ${scaleEnv} to ${replicas}?`}
                act={() =>
                  must(
                    ctx.api.release.PUT("/v1/apps/{app}/envs/{env}/scale", {
                      params: { path: { app: a.name, env: scaleEnv } },
                      body: { replicas },
                    }),
                  )
                }
                refusal={refusal}
              />
            </div>
            <h2>Debug mode</h2>
            <p className="muted">
              Probes and lifecycle hooks off, for a pod that cannot start: a release of the
              running version with <code>options.debug</code>.
            </p>
            {envs.map((env) => {
              const current = debugIn(env);
              const why = refusal ?? (current ? null : `nothing runs in ${env} yet`);
              const act = (on: boolean) => async () => {
                const created = await must(
                  ctx.api.release.POST("/v1/apps/{app}/releases", {
                    params: { path: { app: a.name } },
                    body: { image: current!.image, env, options: { debug: on } } as never,
                  }),
                );
                ctx.go(`#/releases/${a.name}/${created.id}`);
              };
              return (
                <div className="row" key={env} data-debug-env={env}>
                  <span>
                    {env}: {current ? (current.debug ? "debug on" : "debug off") : "not running"}
                  </span>
                  <ActionButton
                    label={`Debug on in ${env}`}
                    confirm={`Release ${a.name} in ${env} with probes and hooks off?`}
                    refusal={why}
                    act={act(true)}
                  />
                  <ActionButton
                    label={`Debug off in ${env}`}
                    confirm={`Release ${a.name} in ${env} with probes and hooks back on?`}
                    refusal={why}
                    act={act(false)}
                  />
                </div>
              );
            })}
            <h2>Isolated pods</h2>
            {envs.map((env) => (
              <IsolatedPods key={env} ctx={ctx} app={a.name} env={env} refusal={refusal} />
            ))}
            <SpecEditor key={a.version} ctx={ctx} app={a} refusal={refusal} onSaved={app.reload} />
          </>
        );
      }}
    </Loading>
  );
}
