// The four services' clients (openapi-fetch over the generated `paths`), the session's token
// (in memory only: never localStorage), and problem+json turned into one readable error.
import createClient, { type Middleware } from "openapi-fetch";
import type { components as Registry, paths as RegistryPaths } from "./api/cluster-registry";
import type { paths as SyncPaths } from "./api/k8s-sync";
import type { components as Monitor, paths as MonitorPaths } from "./api/monitor-gateway";
import type { components as Release, paths as ReleasePaths } from "./api/release-api";

export type ReleaseOut = Release["schemas"]["ReleaseOut"];
export type RolloutOut = Release["schemas"]["RolloutOut"];
export type AppOut = Release["schemas"]["AppOut"];
export type ClusterOut = Registry["schemas"]["ClusterOut"];
export type NodeOut = Registry["schemas"]["NodeOut"];
export type EnvironmentOut = Registry["schemas"]["EnvironmentOut"];
export type AlertOut = Monitor["schemas"]["AlertOut"];
export type MetricOut =
  MonitorPaths["/v1/apps/{app}/metrics"]["get"]["responses"]["200"]["content"]["application/json"];
export type LogLine = Monitor["schemas"]["LogLine"];
export type AuditEntry = Release["schemas"]["AuditEntryOut"];
export type AuditPage = Release["schemas"]["AuditPage"];
export type Deployed = Release["schemas"]["DeployedOut"];
export type Discovery =
  ReleasePaths["/v1/discovery"]["get"]["responses"]["200"]["content"]["application/json"];

export interface Session {
  token: string;
  subject: string;
  roles: string[];
  teams: string[];
  expires: number; // unix seconds
}

/** A problem+json answer (RFC 9457) as an Error: title, detail and field errors. */
export class ApiError extends Error {
  status: number;
  fields: { loc: string; msg: string }[];
  constructor(status: number, body: unknown) {
    const problem = (body ?? {}) as { title?: string; detail?: string; errors?: unknown };
    const title = problem.title ?? `HTTP ${status}`;
    super(problem.detail && problem.detail !== title ? `${title}: ${problem.detail}` : title);
    this.status = status;
    this.fields = Array.isArray(problem.errors)
      ? (problem.errors as { loc: string; msg: string }[])
      : [];
  }
}

export function claims(token: string): Omit<Session, "token"> {
  const part = token.split(".")[1] ?? "";
  const json = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
  return {
    subject: String(json.sub ?? ""),
    roles: (json.roles as string[]) ?? [],
    teams: (json.teams as string[]) ?? [],
    expires: Number(json.exp ?? 0),
  };
}

const RANK: Record<string, number> = { viewer: 0, developer: 1, admin: 2 };

export function hasRole(session: Session, role: "viewer" | "developer" | "admin"): boolean {
  return session.roles.some((r) => (RANK[r] ?? -1) >= RANK[role]);
}

/** Why `session` may not act for `team`'s app, or null when it may. */
export function teamRefusal(session: Session, team: string): string | null {
  if (hasRole(session, "admin")) return null;
  if (!hasRole(session, "developer")) return "viewers cannot change anything";
  if (!session.teams.includes(team)) return `only team ${team}'s developers and admins may`;
  return null;
}

export async function discover(base = ""): Promise<Discovery> {
  const response = await fetch(`${base}/v1/discovery`);
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return (await response.json()) as Discovery;
}

export async function developmentLogin(
  subject: string,
  role: string,
  teams: string[],
): Promise<string> {
  const client = createClient<ReleasePaths>({ baseUrl: "" });
  const { data, error, response } = await client.POST("/v1/dev/token", {
    body: { subject, roles: [role as "viewer"], teams, ttl_s: 8 * 3600 },
  });
  if (error || !data) throw new ApiError(response.status, error);
  return data.token;
}

function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

export function makeClients(discovery: Discovery, token: string) {
  const own = (url: string) => (url === discovery.services["release-api"] ? "" : url);
  const release = createClient<ReleasePaths>({ baseUrl: "" }); // same origin as the console
  const registry = createClient<RegistryPaths>({
    baseUrl: own(discovery.services["cluster-registry"]),
  });
  const sync = createClient<SyncPaths>({ baseUrl: own(discovery.services["k8s-sync"]) });
  const monitor = createClient<MonitorPaths>({
    baseUrl: own(discovery.services["monitor-gateway"]),
  });
  for (const client of [release, registry, sync, monitor]) client.use(bearer(token));
  return { release, registry, sync, monitor, token, urls: discovery.services };
}

export type Clients = ReturnType<typeof makeClients>;

/** The data of an answer, or an ApiError with its problem. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new ApiError(response.status, error);
  return data as T;
}
