// Clusters per IDC with their health and capacity (requested of allocatable); a cluster's
// capacity and nodes with cordon, uncordon and drain (admins; others see why not);
// environments and where they map.
import { useState } from "react";
import type { Ctx } from "../app";
import { hasRole, must, type ClusterOut } from "../client";
import { ActionButton, ErrorBox, Loading, Phase, useData } from "../ui";

function Nodes({ ctx, cluster }: { ctx: Ctx; cluster: string }) {
  const nodes = useData(
    () =>
      must(
        ctx.api.registry.GET("/v1/clusters/{name}/nodes", { params: { path: { name: cluster } } }),
      ),
    [cluster],
    5000,
  );
  const refusal = hasRole(ctx.session, "admin") ? null : "only admins change nodes";
  const node = (action: "cordon" | "uncordon" | "drain", name: string) => () =>
    must(
      ctx.api.registry.POST(`/v1/clusters/{name}/nodes/{node}/${action}` as "/v1/clusters/{name}/nodes/{node}/cordon", {
        params: { path: { name: cluster, node: name } },
        body: (action === "drain" ? { timeout_s: 60 } : undefined) as never,
      }),
    );
  return (
    <Loading state={nodes}>
      {(items) => (
        <table aria-label={`Nodes of ${cluster}`}>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Ready</th>
              <th scope="col">Schedulable</th>
              <th scope="col">Pods</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((n) => (
              <tr key={n.name} data-node={n.name}>
                <td>{n.name}</td>
                <td>{n.ready ? "yes" : "no"}</td>
                <td>{n.unschedulable ? "no (cordoned)" : "yes"}</td>
                <td>{n.pods}</td>
                <td>
                  {n.unschedulable ? (
                    <ActionButton label="Uncordon" act={node("uncordon", n.name)} refusal={refusal} onDone={nodes.reload} />
                  ) : (
                    <ActionButton label="Cordon" act={node("cordon", n.name)} refusal={refusal} onDone={nodes.reload} />
                  )}
                  <ActionButton
                    label="Drain"
                    confirm={`Drain ${n.name}? Its pods are evicted (PodDisruptionBudgets respected).`}
                    act={node("drain", n.name)}
                    refusal={refusal}
                    onDone={nodes.reload}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Loading>
  );
}

type Use = { allocatable: number; requested: number };

/** Requested of allocatable, as a bar with the numbers beside it. */
function Bar({ label, use, bytes }: { label: string; use: Use; bytes?: boolean }) {
  const fmt = (v: number) => (bytes ? `${(v / 2 ** 30).toFixed(1)} GiB` : `${+v.toFixed(1)}`);
  const share = use.allocatable > 0 ? use.requested / use.allocatable : 0;
  return (
    <span className="capacity">
      {label}{" "}
      <meter
        min={0}
        max={1}
        low={0.7}
        high={0.9}
        optimum={0.3}
        value={share}
        aria-label={`${label} requested`}
      />{" "}
      {fmt(use.requested)} / {fmt(use.allocatable)} ({Math.round(share * 100)}%)
    </span>
  );
}

function Capacity({ of }: { of: { cpu: Use; memory: Use; pods: Use } }) {
  return (
    <div className="row capacity-row">
      <Bar label="CPU" use={of.cpu} />
      <Bar label="Memory" use={of.memory} bytes />
      <Bar label="Pods" use={of.pods} />
    </div>
  );
}

function ClusterCapacity({ ctx, cluster }: { ctx: Ctx; cluster: string }) {
  const capacity = useData(
    () =>
      must(
        ctx.api.registry.GET("/v1/clusters/{name}/capacity", {
          params: { path: { name: cluster } },
        }),
      ),
    [cluster],
    15000,
  );
  return <Loading state={capacity}>{(c) => <Capacity of={c} />}</Loading>;
}

export function ClustersPage({ ctx }: { ctx: Ctx }) {
  const idcs = useData(() => must(ctx.api.registry.GET("/v1/capacity")), [], 15000);
  const clusters = useData(
    () => must(ctx.api.registry.GET("/v1/clusters", { params: { query: { limit: 200 } } })),
    [],
    5000,
  );
  const envs = useData(() => must(ctx.api.registry.GET("/v1/environments")), [], 10000);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <h1>Clusters</h1>
      <Loading state={clusters}>
        {(page) => {
          const byIdc: Record<string, ClusterOut[]> = {};
          for (const c of page.items) (byIdc[c.idc] ??= []).push(c);
          return Object.keys(byIdc)
            .sort()
            .map((idc) => (
              <section key={idc} aria-label={`IDC ${idc}`}>
                <h2>IDC {idc}</h2>
                {(() => {
                  const capacity = idcs.data?.find((i) => i.idc === idc);
                  return capacity ? (
                    <>
                      <Capacity of={capacity} />
                      {(capacity.unreachable ?? []).length > 0 && (
                        <p className="bad">
                          not counted (unreachable): {(capacity.unreachable ?? []).join(", ")}
                        </p>
                      )}
                    </>
                  ) : null;
                })()}
                <ul className="clusters">
                  {byIdc[idc].map((c) => (
                    <li key={c.name}>
                      <button
                        type="button"
                        aria-expanded={open === c.name}
                        onClick={() => setOpen(open === c.name ? null : c.name)}
                      >
                        {c.name}
                      </button>{" "}
                      <Phase phase={c.status} /> {c.provider} · {c.node_count ?? "?"} nodes ·
                      Kubernetes {c.kubernetes_version ?? "?"}
                      {c.status_reason && <span className="bad"> {c.status_reason}</span>}
                      {open === c.name && (
                        <>
                          <ClusterCapacity ctx={ctx} cluster={c.name} />
                          <Nodes ctx={ctx} cluster={c.name} />
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            ));
        }}
      </Loading>
      <h2>Environments</h2>
      <Loading state={envs}>
        {(items) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Clusters (namespace)</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.name}>
                  <td>{e.name}</td>
                  <td>{e.clusters.map((p) => `${p.cluster} (${p.namespace})`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
      <ErrorBox error={null} />
    </>
  );
}
