// One release, live: waves → IDCs → clusters with phase, pods ready/desired, what the ingress
// serves of each cluster against what it should, errors; its events as they come (SSE); and
// the controls the signed-in person may use (disabled, with the reason, when not).
import { useEffect, useRef, useState } from "react";
import type { Ctx } from "../app";
import { must, teamRefusal, type ReleaseOut, type RolloutOut } from "../client";
import { follow, type StreamEvent } from "../sse";
import { ActionButton, ErrorBox, Phase, elapsed } from "../ui";

type Ingress = Record<string, [number, number]>; // cluster → served, expected

interface SyncStatus {
  desired: { cluster: string; state: string }[];
  instances: { up: boolean; applied: { cluster: string; state: string }[] }[];
}

function ingressOf(status: SyncStatus): Ingress {
  const out: Ingress = {};
  for (const s of status.desired) {
    if (s.state !== "ready") continue;
    out[s.cluster] = [0, (out[s.cluster]?.[1] ?? 0) + 1];
  }
  const up = status.instances.filter((i) => i.up);
  for (const cluster of Object.keys(out)) {
    const counts = up.map(
      (i) => i.applied.filter((s) => s.cluster === cluster && s.state === "ready").length,
    );
    out[cluster][0] = counts.length ? Math.min(...counts) : 0;
  }
  return out;
}

function Cluster({ r, ingress }: { r: RolloutOut; ingress?: [number, number] }) {
  const progress = (r.progress ?? {}) as { ready?: number; desired?: number };
  return (
    <li className="cluster" data-cluster={r.cluster}>
      <strong>{r.cluster}</strong> <Phase phase={r.phase} />
      {progress.desired !== undefined && (
        <span>
          {" "}
          pods {progress.ready ?? 0}/{progress.desired}
        </span>
      )}
      {ingress && (
        <span>
          {" "}
          ingress {ingress[0]}/{ingress[1]}
        </span>
      )}
      <span className="dim"> {elapsed(r.started_at, r.finished_at)}</span>
      {r.error && <div className="bad cluster-error">{r.error}</div>}
    </li>
  );
}

export function ReleasePage({ ctx, app, id }: { ctx: Ctx; app: string; id: string }) {
  const [release, setRelease] = useState<ReleaseOut | null>(null);
  const [ingress, setIngress] = useState<Ingress>({});
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [team, setTeam] = useState<string | null>(null);
  const pending = useRef<number | null>(null);

  async function refresh() {
    try {
      const doc = await must(
        ctx.api.release.GET("/v1/apps/{app}/releases/{release_id}", {
          params: { path: { app, release_id: id } },
        }),
      );
      setRelease(doc);
      setError(null);
      const status = await ctx.api.sync.GET("/v1/sync/apps/{app}/{env}", {
        params: { path: { app, env: doc.env } },
      });
      if (status.data) setIngress(ingressOf(status.data as unknown as SyncStatus));
    } catch (e) {
      setError(e as Error);
    }
  }

  useEffect(() => {
    refresh();
    must(ctx.api.release.GET("/v1/apps/{name}", { params: { path: { name: app } } })).then(
      (a) => setTeam(a.team),
      () => undefined,
    );
    const stream = follow(
      `/v1/apps/${encodeURIComponent(app)}/releases/${encodeURIComponent(id)}/events`,
      ctx.session.token,
      (event) => {
        setEvents((list) => [event, ...list].slice(0, 200));
        if (pending.current === null) {
          pending.current = window.setTimeout(() => {
            pending.current = null;
            refresh();
          }, 150);
        }
      },
      () => refresh(),
    );
    const clock = window.setInterval(refresh, 3000); // soaks and clocks move without events
    return () => {
      stream.stop();
      window.clearInterval(clock);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [app, id]);

  if (!release) return error ? <ErrorBox error={error} /> : <p aria-busy="true">Loading…</p>;
  const refusal = team === null ? "…" : teamRefusal(ctx.session, team);
  const finished = !!release.finished_at;
  const waiting = release.clusters.some((c) => c.phase === "waiting-promote");
  const waves = release.plan.waves.length
    ? release.plan.waves
    : [{ name: "all", state: release.phase }];
  const post = (action: string, body?: unknown) => () =>
    must(
      ctx.api.release.POST(
        `/v1/apps/{app}/releases/{release_id}/${action}` as "/v1/apps/{app}/releases/{release_id}/promote",
        { params: { path: { app, release_id: id } }, body: body as never },
      ),
    );
  const ownRelease = release.requested_by === ctx.session.subject;
  return (
    <>
      <h1>
        {release.app} → {release.env} <Phase phase={release.phase} />
      </h1>
      <p>
        {release.image} · {release.strategy} · requested by {release.requested_by} ·{" "}
        {elapsed(release.created_at, release.finished_at)} · release <code>{release.id}</code>
      </p>
      <ErrorBox error={error} />
      <div className="controls" aria-label="Release controls">
        {!finished && waiting && (
          <ActionButton
            label="Promote"
            confirm={`Promote ${release.app} ${release.image} in ${release.env}?`}
            act={post("promote")}
            refusal={refusal}
            onDone={refresh}
          />
        )}
        {!finished && release.phase === "running" && (
          <ActionButton label="Pause" act={post("pause")} refusal={refusal} onDone={refresh} />
        )}
        {release.phase === "paused" && (
          <ActionButton label="Resume" act={post("resume")} refusal={refusal} onDone={refresh} />
        )}
        {release.phase === "waiting-approval" && (
          <ActionButton
            label="Approve"
            confirm="Approve this release?"
            act={post("approve", {})}
            refusal={ownRelease ? "you requested it: someone else approves (four eyes)" : null}
            onDone={refresh}
          />
        )}
        {!finished && (
          <ActionButton
            label="Abort"
            confirm={`Abort the release of ${release.app} to ${release.env}? Clusters under way are put back.`}
            act={post("abort")}
            refusal={refusal}
            onDone={refresh}
          />
        )}
        {finished && (
          <ActionButton
            label="Roll back to this release"
            confirm={`Release ${release.image} of ${release.app} to every cluster of ${release.env} again?`}
            act={async () => {
              const created = await must(
                ctx.api.release.POST("/v1/apps/{app}/releases/{release_id}/rollback", {
                  params: { path: { app, release_id: id } },
                }),
              );
              ctx.go(`#/releases/${app}/${created.id}`);
            }}
            refusal={refusal}
          />
        )}
      </div>
      <section aria-label="Plan">
        {waves.map((wave, index) => {
          const rollouts = release.clusters.filter((c) => (c.wave ?? 0) === index);
          const idcs = [...new Set(rollouts.map((r) => r.idc))].sort();
          return (
            <div className="wave" key={index}>
              <h2>
                Wave {index + 1}: {wave.name} <Phase phase={String(wave.state)} />
              </h2>
              {idcs.map((idc) => (
                <div className="idc" key={idc}>
                  <h3>IDC {idc}</h3>
                  <ul>
                    {rollouts
                      .filter((r) => r.idc === idc)
                      .map((r) => (
                        <Cluster key={r.cluster} r={r} ingress={ingress[r.cluster]} />
                      ))}
                  </ul>
                </div>
              ))}
            </div>
          );
        })}
      </section>
      <section aria-label="Events">
        <h2>Events</h2>
        <ol className="events" reversed>
          {events.map((e) => (
            <li key={e.id ?? Math.random()} data-event-id={e.id ?? ""}>
              <code>{e.event.replace("io.flotilla.", "")}</code> {describe(e.data)}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

function describe(data: unknown): string {
  const d = (data ?? {}) as Record<string, unknown>;
  const parts = [];
  if (d.cluster) parts.push(String(d.cluster));
  if (d.previous_phase) parts.push(`${d.previous_phase} → ${d.phase}`);
  else if (d.phase) parts.push(String(d.phase));
  if (d.ready !== undefined) parts.push(`ready ${d.ready}/${d.desired}`);
  if (d.reason) parts.push(String(d.reason));
  return parts.join(" · ");
}
