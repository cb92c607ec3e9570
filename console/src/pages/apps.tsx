// Applications: the list (with search) and a form to create one; an app's page with its
// spec, its releases, a form to release it, scale, and its isolated pods.
import { useState, type FormEvent } from "react";
import type { Ctx } from "../app";
import { must, teamRefusal, type AppOut } from "../client";
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
  const [scaleEnv, setScaleEnv] = useState("prod");
  const [replicas, setReplicas] = useState(2);
  return (
    <Loading state={app}>
      {(a) => {
        const refusal = teamRefusal(ctx.session, a.team);
        return (
          <>
            <h1>
              {a.name} <small>team {a.team}</small>
            </h1>
            <ReleaseForm ctx={ctx} app={a} refusal={refusal} />
            <h2>Releases</h2>
            <Loading state={releases}>
              {(page) => (
                <table>
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
            <h2>Spec</h2>
            <pre className="spec">{JSON.stringify(a.spec, null, 2)}</pre>
          </>
        );
      }}
    </Loading>
  );
}
