// Every release in flight across the fleet (and the latest finished ones), refreshed every
// two seconds.
import type { Ctx } from "../app";
import { must, type ReleaseOut } from "../client";
import { Loading, Phase, elapsed, useData } from "../ui";

function Rows({ items }: { items: ReleaseOut[] }) {
  if (!items.length) return <p>None.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Env</th>
          <th scope="col">Image</th>
          <th scope="col">Strategy</th>
          <th scope="col">Phase</th>
          <th scope="col">Clusters</th>
          <th scope="col">Elapsed</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => {
          const done = r.clusters.filter((c) => c.phase === "succeeded").length;
          const failed = r.clusters.filter((c) => ["failed", "rolled-back"].includes(c.phase));
          return (
            <tr key={r.id}>
              <td>
                <a href={`#/releases/${r.app}/${r.id}`}>{r.app}</a>
              </td>
              <td>{r.env}</td>
              <td>{r.image}</td>
              <td>{r.strategy}</td>
              <td>
                <Phase phase={r.phase} />
              </td>
              <td>
                {done}/{r.clusters.length}
                {failed.length > 0 && <span className="bad"> ({failed.length} failed)</span>}
              </td>
              <td>{elapsed(r.created_at, r.finished_at)}</td>
              <td>{r.requested_by}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function DashboardPage({ ctx }: { ctx: Ctx }) {
  const active = useData(
    () => must(ctx.api.release.GET("/v1/releases", { params: { query: { active: true } } })),
    [],
    2000,
  );
  const recent = useData(
    () => must(ctx.api.release.GET("/v1/releases", { params: { query: { limit: 20 } } })),
    [],
    5000,
  );
  return (
    <>
      <h1>Releases in flight</h1>
      <Loading state={active}>{(page) => <Rows items={page.items} />}</Loading>
      <h2>Latest releases</h2>
      <Loading state={recent}>
        {(page) => <Rows items={page.items.filter((r) => r.finished_at)} />}
      </Loading>
    </>
  );
}
