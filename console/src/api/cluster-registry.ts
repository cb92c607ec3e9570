// Generated from openapi/cluster-registry.json by scripts/generate-types.mjs: do not edit.
export interface paths {
    "/livez": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The process is alive
         * @description **Access:** anyone (no token).
         */
        get: operations["livez"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The service can serve: its database and workers are healthy (the broker is reported, not required)
         * @description **Access:** anyone (no token).
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description **Access:** anyone (no token).
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List clusters
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listClusters"];
        put?: never;
        /**
         * Register a cluster (its credentials are checked against it first)
         * @description **Access:** role admin or stronger.
         */
        post: operations["registerCluster"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a cluster
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getCluster"];
        put?: never;
        post?: never;
        /**
         * Deregister a cluster (refused while environments map to it)
         * @description **Access:** role admin or stronger.
         */
        delete: operations["deregisterCluster"];
        options?: never;
        head?: never;
        /**
         * Change a cluster's IDC, provider, API server or labels (a new API server is verified with the stored credentials first)
         * @description **Access:** role admin or stronger.
         */
        patch: operations["updateCluster"];
        trace?: never;
    };
    "/v1/clusters/{name}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace a cluster's credentials (the new ones are checked first)
         * @description **Access:** role admin or stronger.
         */
        post: operations["rotateClusterCredentials"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/internal/clusters/{name}/connection": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How to reach a cluster, credentials decrypted (release-api, k8s-sync and monitor-gateway's service tokens only)
         * @description **Access:** a service token of a service in CONNECTION_READERS.
         */
        get: operations["getClusterConnection"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/environments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List environments
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listEnvironments"];
        put?: never;
        /**
         * Create an environment; its namespaces are created in each cluster
         * @description **Access:** role admin or stronger.
         */
        post: operations["createEnvironment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/environments/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an environment
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getEnvironment"];
        put?: never;
        post?: never;
        /**
         * Delete an environment (its namespaces stay in the clusters)
         * @description **Access:** role admin or stronger.
         */
        delete: operations["deleteEnvironment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/environments/{name}/policy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set who may release, roll back, scale, control and isolate here, and approvals
         * @description **Access:** role admin or stronger.
         *
         *     Replaces the whole policy (a rule left out is back at its default: developers of the app's team). release-api enforces it on the next request; a release already held for approval is judged by the policy at the time it is approved. The before and after are in the audit log and in an `io.flotilla.environment.changed` event.
         */
        put: operations["setEnvironmentPolicy"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/environments/{name}/clusters/{cluster}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Map the environment to a cluster and namespace (creates the namespace)
         * @description **Access:** role admin or stronger.
         */
        put: operations["placeEnvironment"];
        post?: never;
        /**
         * Remove a cluster from an environment
         * @description **Access:** role admin or stronger.
         */
        delete: operations["unplaceEnvironment"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Nodes of a cluster
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listNodes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes/{node}/labels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tag or untag a node
         * @description **Access:** role admin or stronger.
         */
        post: operations["changeNodeLabels"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes/{node}/taints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add or remove taints
         * @description **Access:** role admin or stronger.
         */
        post: operations["changeNodeTaints"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes/{node}/cordon": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark a node unschedulable
         * @description **Access:** role admin or stronger.
         */
        post: operations["cordonNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes/{node}/uncordon": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark a node schedulable again
         * @description **Access:** role admin or stronger.
         */
        post: operations["uncordonNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes/{node}/drain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cordon and evict every pod (PodDisruptionBudgets honoured)
         * @description **Access:** role admin or stronger.
         */
        post: operations["drainNode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/nodes/{node}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a node: cordon, drain, then delete the Node object
         * @description **Access:** role admin or stronger.
         */
        delete: operations["removeNode"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/clusters/{name}/capacity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Allocatable versus requested CPU, memory and pods
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["clusterCapacity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/capacity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Totals per IDC over every registered cluster
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["idcCapacity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * AnalysisTemplate
         * @description The checks a release's clusters are judged by (flotilla_contracts.analysis).
         * @example {
         *       "checks": [
         *         {
         *           "cluster": {
         *             "max": 0.05
         *           },
         *           "metric": "http_5xx_ratio",
         *           "name": "errors",
         *           "wave": {
         *             "max": 0.01
         *           }
         *         },
         *         {
         *           "cluster": {
         *             "max": 0.5
         *           },
         *           "metric": "http_p99_latency_s",
         *           "name": "latency"
         *         },
         *         {
         *           "cluster": {
         *             "max": 0
         *           },
         *           "metric": "restarts",
         *           "name": "restarts"
         *         }
         *       ]
         *     }
         */
        AnalysisTemplate: {
            /**
             * Checks
             * @description an empty list: no analysis
             */
            checks: components["schemas"]["Check"][];
        };
        /** Approval */
        Approval: {
            /**
             * Required
             * @description hold every release here until approved
             * @default false
             */
            required: boolean;
            /** @description who may approve or reject */
            by?: components["schemas"]["Rule"];
            /**
             * Four Eyes
             * @description the requester may not approve their own release
             * @default true
             */
            four_eyes: boolean;
        };
        /**
         * AuditEntryOut
         * @example {
         *       "action": "release.rollback",
         *       "actor": "ada",
         *       "at": "2026-12-05T09:30:00Z",
         *       "detail": {
         *         "to": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4"
         *       },
         *       "id": 1042,
         *       "outcome": "ok",
         *       "request_id": "9f1c2e7a4b5d",
         *       "target": "shop"
         *     }
         */
        AuditEntryOut: {
            /** Id */
            id: number;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** Actor */
            actor: string;
            /** Action */
            action: string;
            /** Target */
            target: string;
            /** Outcome */
            outcome: string;
            /** Detail */
            detail: {
                [key: string]: unknown;
            };
            /** Request Id */
            request_id: string | null;
        };
        /** AuditPage */
        AuditPage: {
            /** Items */
            items: components["schemas"]["AuditEntryOut"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /**
         * Check
         * @description One metric, sampled `count` times every `interval_s`, judged per scope.
         * @example {
         *       "cluster": {
         *         "max": 0.05
         *       },
         *       "count": 6,
         *       "interval_s": 5,
         *       "metric": "http_5xx_ratio",
         *       "name": "errors",
         *       "wave": {
         *         "band": 0.005,
         *         "max": 0.01
         *       }
         *     }
         * @example {
         *       "cluster": {
         *         "max": 1000
         *       },
         *       "name": "queue-depth",
         *       "params": {
         *         "queue": "orders"
         *       },
         *       "promql": "max(shop_queue_depth{cluster=$cluster, queue=$queue})"
         *     }
         */
        Check: {
            /** Name */
            name: string;
            /** @description a built-in measurement */
            metric?: components["schemas"]["Metric"] | null;
            /**
             * Promql
             * @description a custom query yielding one number per cluster (admins only); $app, $env, $cluster, $stage, $version and $<param> become quoted string literals
             */
            promql?: string | null;
            /**
             * Params
             * @description values for $<param> in promql
             */
            params?: {
                [key: string]: string;
            };
            /** @description a hook answering 2xx or not (admins only); default condition: confirm-promotion passes at 1, rollback at 0 */
            webhook?: components["schemas"]["Webhook"] | null;
            /**
             * Interval S
             * @description between samples
             * @default 10
             */
            interval_s: number;
            /**
             * Count
             * @description samples taken
             * @default 6
             */
            count: number;
            /**
             * Window S
             * @description each sample covers this much (default: interval_s)
             */
            window_s?: number | null;
            /** @description each cluster of the wave alone */
            cluster?: components["schemas"]["Condition"] | null;
            /** @description the wave's clusters together */
            wave?: components["schemas"]["Condition"] | null;
            /** @description during a gray step: gray pods minus stable pods of the cluster */
            canary?: components["schemas"]["Condition"] | null;
            /**
             * Failure Limit
             * @description failed samples tolerated
             * @default 0
             */
            failure_limit: number;
            /**
             * Inconclusive Limit
             * @description inconclusive samples tolerated
             * @default 0
             */
            inconclusive_limit: number;
            /**
             * No Data
             * @description how a sample with no data (no traffic, no series) counts
             * @default inconclusive
             * @enum {string}
             */
            no_data: "passed" | "inconclusive" | "failed";
        };
        /**
         * ClusterCapacity
         * @example {
         *       "cluster": "idc-a-1",
         *       "cpu": {
         *         "allocatable": 46.5,
         *         "requested": 31.2
         *       },
         *       "idc": "idc-a",
         *       "memory": {
         *         "allocatable": 190000000000,
         *         "requested": 120000000000
         *       },
         *       "nodes": [
         *         {
         *           "cpu": {
         *             "allocatable": 15.5,
         *             "requested": 10.4
         *           },
         *           "memory": {
         *             "allocatable": 64000000000,
         *             "requested": 41000000000
         *           },
         *           "node": "idc-a-1-node-1",
         *           "pods": {
         *             "allocatable": 110,
         *             "requested": 47
         *           }
         *         }
         *       ],
         *       "pods": {
         *         "allocatable": 330,
         *         "requested": 141
         *       }
         *     }
         */
        ClusterCapacity: {
            /** Cluster */
            cluster: string;
            /** Idc */
            idc: string;
            cpu: components["schemas"]["ResourceUse"];
            memory: components["schemas"]["ResourceUse"];
            pods: components["schemas"]["ResourceUse"];
            /** Nodes */
            nodes: components["schemas"]["NodeCapacity"][];
            /**
             * Usage Trend
             * @description from monitor-gateway, where it has the cluster's metrics
             */
            usage_trend?: string | null;
        };
        /**
         * ClusterConnection
         * @description An API server and the credentials to use it. Secret: never log, never show users.
         */
        ClusterConnection: {
            /** Cluster */
            cluster: string;
            /** Idc */
            idc: string;
            /**
             * Api Server
             * @description https://host:port of the Kubernetes API
             */
            api_server: string;
            /**
             * Token
             * @description bearer token
             */
            token?: string | null;
            /**
             * Ca Data
             * @description base64 PEM of the CA that signed the server
             */
            ca_data?: string | null;
            /**
             * Kubeconfig
             * @description a whole kubeconfig, when that was given
             */
            kubeconfig?: string | null;
            /**
             * Insecure Skip Tls Verify
             * @default false
             */
            insecure_skip_tls_verify: boolean;
        };
        /**
         * ClusterCreate
         * @example {
         *       "credentials": {
         *         "kind": "kubeconfig",
         *         "kubeconfig": "apiVersion: v1\nkind: Config\n..."
         *       },
         *       "idc": "idc-a",
         *       "labels": {
         *         "tier": "prod"
         *       },
         *       "name": "idc-a-prod",
         *       "provider": "self-built"
         *     }
         * @example {
         *       "api_server": "https://10.0.0.1:6443",
         *       "credentials": {
         *         "ca_data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0JnZ3Foa2pPUFFRREFqQWpNU0V3SHdZRFZRUUREQmhyTTNNdGMyVnkKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
         *         "kind": "token",
         *         "token": "eyJhbGciOi..."
         *       },
         *       "idc": "uk8s-bj2",
         *       "name": "uk8s-bj",
         *       "provider": "uk8s"
         *     }
         */
        ClusterCreate: {
            /**
             * Name
             * @example idc-a
             */
            name: string;
            /**
             * Idc
             * @example idc-a
             */
            idc: string;
            provider: components["schemas"]["ClusterProvider"];
            /**
             * Api Server
             * @description Required with token credentials; taken from the kubeconfig otherwise.
             */
            api_server?: string | null;
            /** Credentials */
            credentials: components["schemas"]["KubeconfigCredentials"] | components["schemas"]["TokenCredentials"];
            /** Labels */
            labels?: {
                [key: string]: string;
            };
        };
        /**
         * ClusterOut
         * @example {
         *       "api_server": "https://10.0.0.10:6443",
         *       "created_at": "2026-11-02T08:00:00Z",
         *       "environments": [
         *         {
         *           "environment": "prod",
         *           "namespace": "shop-prod"
         *         }
         *       ],
         *       "idc": "idc-a",
         *       "kubernetes_version": "v1.34.4",
         *       "labels": {
         *         "tier": "gold"
         *       },
         *       "last_seen_at": "2026-12-05T09:30:00Z",
         *       "latency_ms": 4.2,
         *       "name": "idc-a-1",
         *       "node_count": 12,
         *       "provider": "self-built",
         *       "revision": 3,
         *       "status": "ready",
         *       "updated_at": "2026-12-05T09:30:00Z"
         *     }
         */
        ClusterOut: {
            /** Name */
            name: string;
            /** Idc */
            idc: string;
            provider: components["schemas"]["ClusterProvider"];
            /** Api Server */
            api_server: string;
            /** Labels */
            labels: {
                [key: string]: string;
            };
            status: components["schemas"]["ClusterStatus"];
            /** Status Reason */
            status_reason: string | null;
            /** Last Seen At */
            last_seen_at: string | null;
            /** Latency Ms */
            latency_ms: number | null;
            /** Kubernetes Version */
            kubernetes_version: string | null;
            /** Node Count */
            node_count: number;
            /** Environments */
            environments: components["schemas"]["EnvironmentRef"][];
            /** Revision */
            revision: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** ClusterPage */
        ClusterPage: {
            /** Items */
            items: components["schemas"]["ClusterOut"][];
            /**
             * Next Cursor
             * @description pass as `cursor` for the next page
             */
            next_cursor?: string | null;
        };
        /**
         * ClusterProvider
         * @enum {string}
         */
        ClusterProvider: "self-built" | "uk8s" | "other-cloud";
        /**
         * ClusterStatus
         * @description Health of a registered cluster as cluster-registry's prober sees it.
         * @enum {string}
         */
        ClusterStatus: "unknown" | "ready" | "degraded" | "unreachable";
        /**
         * ClusterUpdate
         * @example {
         *       "idc": "idc-b",
         *       "labels": {
         *         "tier": "staging"
         *       }
         *     }
         */
        ClusterUpdate: {
            /** Idc */
            idc?: string | null;
            provider?: components["schemas"]["ClusterProvider"] | null;
            /** Api Server */
            api_server?: string | null;
            /** Labels */
            labels?: {
                [key: string]: string;
            } | null;
        };
        /**
         * Condition
         * @description Pass within [min, max]; inconclusive up to `band` beyond a bound; failed farther.
         */
        Condition: {
            /**
             * Min
             * @description lowest value that passes
             */
            min?: number | null;
            /**
             * Max
             * @description highest value that passes
             */
            max?: number | null;
            /**
             * Band
             * @description how far beyond a bound a value is inconclusive, not failed
             * @default 0
             */
            band: number;
        };
        /**
         * CredentialsRotate
         * @example {
         *       "credentials": {
         *         "kind": "kubeconfig",
         *         "kubeconfig": "apiVersion: v1\nkind: Config\n..."
         *       }
         *     }
         */
        CredentialsRotate: {
            /** Credentials */
            credentials: components["schemas"]["KubeconfigCredentials"] | components["schemas"]["TokenCredentials"];
        };
        /**
         * DrainReport
         * @example {
         *       "completed": true,
         *       "elapsed_s": 12.4,
         *       "node": "idc-a-1-node-1",
         *       "pods": [
         *         {
         *           "message": "",
         *           "namespace": "shop-prod",
         *           "outcome": "evicted",
         *           "pod": "shop-7d9f-abcde"
         *         }
         *       ]
         *     }
         */
        DrainReport: {
            /** Node */
            node: string;
            /**
             * Completed
             * @description every evictable pod left the node before the timeout
             */
            completed: boolean;
            /** Pods */
            pods: components["schemas"]["PodDrainResult"][];
            /** Elapsed S */
            elapsed_s: number;
        };
        /**
         * DrainRequest
         * @example {
         *       "grace_period_s": 30,
         *       "timeout_s": 60
         *     }
         */
        DrainRequest: {
            /**
             * Timeout S
             * @default 60
             */
            timeout_s: number;
            /**
             * Grace Period S
             * @description override the pods' own grace period
             */
            grace_period_s?: number | null;
        };
        /**
         * EnvironmentCreate
         * @example {
         *       "clusters": [
         *         {
         *           "cluster": "idc-a-prod",
         *           "namespace": "prod"
         *         },
         *         {
         *           "cluster": "idc-b-prod",
         *           "namespace": "prod"
         *         }
         *       ],
         *       "description": "Production",
         *       "name": "prod"
         *     }
         */
        EnvironmentCreate: {
            /**
             * Name
             * @example idc-a
             */
            name: string;
            /**
             * Description
             * @default
             */
            description: string;
            /** Clusters */
            clusters?: components["schemas"]["Placement"][];
            /** @description who may do what here (default: open) */
            policy?: components["schemas"]["EnvironmentPolicy"];
        };
        /**
         * EnvironmentOut
         * @example {
         *       "clusters": [
         *         {
         *           "cluster": "idc-a-prod",
         *           "namespace": "prod"
         *         },
         *         {
         *           "cluster": "idc-b-prod",
         *           "namespace": "prod"
         *         }
         *       ],
         *       "created_at": "2026-12-05T09:30:00Z",
         *       "description": "Production",
         *       "name": "prod",
         *       "policy": {
         *         "approval": {
         *           "by": {
         *             "role": "developer",
         *             "teams": []
         *           },
         *           "four_eyes": true,
         *           "required": false
         *         },
         *         "control": {
         *           "role": "developer",
         *           "teams": []
         *         },
         *         "freeze_windows": [],
         *         "isolate": {
         *           "role": "developer",
         *           "teams": []
         *         },
         *         "pod_security": "restricted",
         *         "release": {
         *           "role": "developer",
         *           "teams": []
         *         },
         *         "rollback": {
         *           "role": "developer",
         *           "teams": []
         *         },
         *         "scale": {
         *           "role": "developer",
         *           "teams": []
         *         }
         *       },
         *       "revision": 1
         *     }
         */
        EnvironmentOut: {
            /** Name */
            name: string;
            /** Description */
            description: string;
            /** Clusters */
            clusters: components["schemas"]["Placement"][];
            policy: components["schemas"]["EnvironmentPolicy"];
            /**
             * Revision
             * @description changes with every change of the policy (the ETag)
             */
            revision: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
        };
        /**
         * EnvironmentPolicy
         * @description Who may do what in an environment (see the module's documentation).
         * @example {
         *       "approval": {
         *         "by": {
         *           "role": "developer",
         *           "teams": [
         *             "sre"
         *           ]
         *         },
         *         "four_eyes": true,
         *         "required": true
         *       },
         *       "control": {
         *         "role": "developer"
         *       },
         *       "isolate": {
         *         "role": "developer"
         *       },
         *       "release": {
         *         "role": "developer"
         *       },
         *       "rollback": {
         *         "role": "developer"
         *       },
         *       "scale": {
         *         "role": "developer",
         *         "teams": [
         *           "sre"
         *         ]
         *       }
         *     }
         */
        EnvironmentPolicy: {
            release?: components["schemas"]["Rule"];
            rollback?: components["schemas"]["Rule"];
            scale?: components["schemas"]["Rule"];
            control?: components["schemas"]["Rule"];
            isolate?: components["schemas"]["Rule"];
            approval?: components["schemas"]["Approval"];
            /** @description the plan of a release that names none (none: every cluster at once) */
            default_plan?: components["schemas"]["ReleasePlan"] | null;
            /**
             * Freeze Windows
             * @description when releases may not start or move to a new wave
             * @default []
             */
            freeze_windows: components["schemas"]["FreezeWindow"][];
            /** @description the checks every wave of a release is judged by while it soaks (an app's spec or the release may name others; none: no analysis) */
            analysis?: components["schemas"]["AnalysisTemplate"] | null;
            /**
             * @description the Pod Security level the environment's namespaces enforce (their pod-security.kubernetes.io labels); a release of an app whose pods are below it is refused
             * @default restricted
             */
            pod_security: components["schemas"]["PodSecurityLevel"];
        };
        /** EnvironmentRef */
        EnvironmentRef: {
            /** Environment */
            environment: string;
            /** Namespace */
            namespace: string;
        };
        /**
         * FailurePolicy
         * @description What the release does when a cluster fails (that cluster is put back in every case).
         * @example {
         *       "on_failure": "pause"
         *     }
         * @example {
         *       "beyond_budget": "rollback",
         *       "budget": 1,
         *       "on_failure": "continue"
         *     }
         */
        FailurePolicy: {
            /**
             * @description pause: stop before the next wave; rollback: put back every cluster changed, newest first; continue: go on within the budget
             * @default pause
             */
            on_failure: components["schemas"]["OnFailure"];
            /**
             * Budget
             * @description continue: clusters that may fail
             */
            budget?: number | null;
            /**
             * Budget Percent
             * @description continue: share of the clusters that may fail
             */
            budget_percent?: number | null;
            /**
             * Beyond Budget
             * @description continue: what happens once the budget is spent
             * @default pause
             * @enum {string}
             */
            beyond_budget: "pause" | "rollback";
        };
        /**
         * FreezeWindow
         * @description When releases may not start or move to a new wave (see the module's documentation).
         * @example {
         *       "cron": "0 18 * * 5",
         *       "duration_s": 216000,
         *       "name": "weekend",
         *       "reason": "no production changes over the weekend",
         *       "timezone": "Europe/Paris"
         *     }
         */
        FreezeWindow: {
            /** Name */
            name: string;
            /**
             * Cron
             * @description when each window starts: minute hour day-of-month month day-of-week
             */
            cron: string;
            /**
             * Duration S
             * @description how long each window lasts
             */
            duration_s: number;
            /**
             * Timezone
             * @description IANA
             * @default UTC
             */
            timezone: string;
            /** Reason */
            reason: string;
        };
        /**
         * Gate
         * @enum {string}
         */
        Gate: "auto" | "approval";
        /**
         * IdcCapacity
         * @example {
         *       "clusters": [
         *         "idc-a-1",
         *         "idc-a-2"
         *       ],
         *       "cpu": {
         *         "allocatable": 93,
         *         "requested": 60.1
         *       },
         *       "idc": "idc-a",
         *       "memory": {
         *         "allocatable": 380000000000,
         *         "requested": 230000000000
         *       },
         *       "pods": {
         *         "allocatable": 660,
         *         "requested": 280
         *       },
         *       "unreachable": []
         *     }
         */
        IdcCapacity: {
            /** Idc */
            idc: string;
            /** Clusters */
            clusters: string[];
            cpu: components["schemas"]["ResourceUse"];
            memory: components["schemas"]["ResourceUse"];
            pods: components["schemas"]["ResourceUse"];
            /** Unreachable */
            unreachable?: string[];
        };
        /** KubeconfigCredentials */
        KubeconfigCredentials: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "kubeconfig";
            /**
             * Kubeconfig
             * Format: password
             * @description A kubeconfig (YAML); its current context is used.
             */
            kubeconfig: string;
        };
        /**
         * LabelChange
         * @example {
         *       "remove": [
         *         "legacy"
         *       ],
         *       "set": {
         *         "tier": "gold"
         *       }
         *     }
         */
        LabelChange: {
            /** Set */
            set?: {
                [key: string]: string;
            };
            /** Remove */
            remove?: string[];
        };
        /**
         * Metric
         * @enum {string}
         */
        Metric: "http_5xx_ratio" | "http_p99_latency_s" | "restarts" | "oom_kills" | "alerts_firing";
        /** NodeCapacity */
        NodeCapacity: {
            /** Node */
            node: string;
            cpu: components["schemas"]["ResourceUse"];
            memory: components["schemas"]["ResourceUse"];
            pods: components["schemas"]["ResourceUse"];
        };
        /**
         * NodeOut
         * @example {
         *       "allocatable": {
         *         "cpu": "15500m",
         *         "memory": "62Gi",
         *         "pods": "110"
         *       },
         *       "capacity": {
         *         "cpu": "16",
         *         "memory": "64Gi",
         *         "pods": "110"
         *       },
         *       "kubelet_version": "v1.34.4",
         *       "labels": {
         *         "kubernetes.io/hostname": "idc-a-1-node-1",
         *         "tier": "gold"
         *       },
         *       "name": "idc-a-1-node-1",
         *       "pods": 23,
         *       "ready": true,
         *       "roles": [
         *         "worker"
         *       ],
         *       "taints": [],
         *       "unschedulable": false
         *     }
         */
        NodeOut: {
            /** Name */
            name: string;
            /** Ready */
            ready: boolean;
            /** Unschedulable */
            unschedulable: boolean;
            /** Roles */
            roles: string[];
            /** Labels */
            labels: {
                [key: string]: string;
            };
            /** Taints */
            taints: {
                [key: string]: string;
            }[];
            /** Capacity */
            capacity: {
                [key: string]: string;
            };
            /** Allocatable */
            allocatable: {
                [key: string]: string;
            };
            /** Kubelet Version */
            kubelet_version: string;
            /** Pods */
            pods: number;
        };
        /**
         * OnFailure
         * @enum {string}
         */
        OnFailure: "pause" | "rollback" | "continue";
        /** Placement */
        Placement: {
            /**
             * Cluster
             * @example idc-a
             */
            cluster: string;
            /**
             * Namespace
             * @example idc-a
             */
            namespace: string;
        };
        /**
         * PlacementSet
         * @example {
         *       "namespace": "prod"
         *     }
         */
        PlacementSet: {
            /**
             * Namespace
             * @example idc-a
             */
            namespace: string;
        };
        /** PodDrainResult */
        PodDrainResult: {
            /** Namespace */
            namespace: string;
            /** Pod */
            pod: string;
            /**
             * Outcome
             * @enum {string}
             */
            outcome: "evicted" | "blocked" | "failed" | "skipped";
            /**
             * Message
             * @default
             */
            message: string;
        };
        /**
         * PodSecurityLevel
         * @description A Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
         *     from the most open to the strictest.
         * @enum {string}
         */
        PodSecurityLevel: "privileged" | "baseline" | "restricted";
        /**
         * ReleasePlan
         * @description Waves in order, and the failure policy (see the module's documentation).
         * @example {
         *       "failure": {
         *         "on_failure": "pause"
         *       },
         *       "waves": [
         *         {
         *           "clusters": [
         *             "idc-a-1"
         *           ],
         *           "name": "canary",
         *           "soak_s": 60
         *         },
         *         {
         *           "gate": "approval",
         *           "idc": "idc-b",
         *           "max_parallel": 1,
         *           "name": "idc-b"
         *         },
         *         {
         *           "name": "rest",
         *           "rest": true
         *         }
         *       ]
         *     }
         */
        ReleasePlan: {
            /** Waves */
            waves: components["schemas"]["Wave"][];
            failure?: components["schemas"]["FailurePolicy"];
        };
        /** ResourceUse */
        ResourceUse: {
            /** Allocatable */
            allocatable: number;
            /** Requested */
            requested: number;
        };
        /**
         * Rule
         * @description Who may: at least `role`; when `teams` is not empty, a developer in one of them.
         */
        Rule: {
            /**
             * Role
             * @description the least role; admins pass every rule
             * @default developer
             * @enum {string}
             */
            role: "developer" | "admin";
            /**
             * Teams
             * @description when not empty, a developer must be in one of these teams
             * @default []
             */
            teams: string[];
        };
        /** Taint */
        Taint: {
            /** Key */
            key: string;
            /**
             * Value
             * @default
             */
            value: string;
            /**
             * Effect
             * @enum {string}
             */
            effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
        };
        /**
         * TaintChange
         * @example {
         *       "add": [
         *         {
         *           "effect": "NoSchedule",
         *           "key": "dedicated",
         *           "value": "db"
         *         }
         *       ],
         *       "remove": [
         *         "maintenance"
         *       ]
         *     }
         */
        TaintChange: {
            /** Add */
            add?: components["schemas"]["Taint"][];
            /** Remove */
            remove?: string[];
        };
        /** TokenCredentials */
        TokenCredentials: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "token";
            /**
             * Token
             * Format: password
             * @description Bearer token
             */
            token: string;
            /**
             * Ca Data
             * @description base64 of the PEM CA that signed the API server (as in a kubeconfig's certificate-authority-data: it starts with the base64 of '-----BEGIN CERTIFICATE-----')
             */
            ca_data: string;
        };
        /**
         * Wave
         * @description Which clusters, how many at once, how long to watch them, and who says "go".
         * @example {
         *       "clusters": [
         *         "idc-a-1"
         *       ],
         *       "gate": "approval",
         *       "name": "canary",
         *       "soak_s": 300
         *     }
         * @example {
         *       "idc": "idc-b",
         *       "max_parallel": 1
         *     }
         * @example {
         *       "rest": true
         *     }
         */
        Wave: {
            /**
             * Name
             * @description default: wave-<its number, from 1>
             */
            name?: string | null;
            /**
             * Clusters
             * @description these clusters, by name
             */
            clusters?: string[] | null;
            /**
             * Idc
             * @description every cluster of this IDC not picked yet
             */
            idc?: string | null;
            /**
             * Labels
             * @description every cluster not picked yet whose cluster-registry labels include these
             */
            labels?: {
                [key: string]: string;
            } | null;
            /**
             * Count
             * @description this many more of the clusters not picked yet
             */
            count?: number | null;
            /**
             * Percent
             * @description this share (rounded up) of the clusters not picked yet
             */
            percent?: number | null;
            /**
             * Rest
             * @description every cluster not picked yet
             * @default false
             */
            rest: boolean;
            /**
             * Max Parallel
             * @description clusters rolling out at once (default: all of the wave)
             */
            max_parallel?: number | null;
            /**
             * Soak S
             * @description watch the wave this long once every cluster is done
             * @default 0
             */
            soak_s: number;
            /**
             * @description approval: a person says go before the next wave
             * @default auto
             */
            gate: components["schemas"]["Gate"];
        };
        /**
         * Webhook
         * @description A hook asked once per cluster per sample (Flagger's contract).
         */
        Webhook: {
            /**
             * Url
             * @description no credentials
             */
            url: string;
            /**
             * Phase
             * @default confirm-promotion
             * @enum {string}
             */
            phase: "confirm-promotion" | "rollback";
            /** Metadata */
            metadata?: {
                [key: string]: string;
            };
            /**
             * Timeout S
             * @default 5
             */
            timeout_s: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    livez: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description Not ready; `checks` names what failed */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    listClusters: {
        parameters: {
            query?: {
                /** @description A DNS label */
                idc?: string | null;
                /** @description only clusters of this provider */
                provider?: components["schemas"]["ClusterProvider"] | null;
                /** @description only clusters in this state */
                status?: components["schemas"]["ClusterStatus"] | null;
                /** @description A DNS label */
                environment?: string | null;
                /** @description key=value; repeat to AND */
                label?: string[] | null;
                /** @description at most this many per page */
                limit?: number;
                /** @description a next_cursor */
                cursor?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "name": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "provider": "self-built",
                     *           "api_server": "https://10.0.0.10:6443",
                     *           "labels": {
                     *             "tier": "gold"
                     *           },
                     *           "status": "ready",
                     *           "status_reason": null,
                     *           "last_seen_at": "2026-12-05T09:30:00Z",
                     *           "latency_ms": 4.2,
                     *           "kubernetes_version": "v1.34.4",
                     *           "node_count": 12,
                     *           "environments": [
                     *             {
                     *               "environment": "prod",
                     *               "namespace": "shop-prod"
                     *             }
                     *           ],
                     *           "revision": 3,
                     *           "created_at": "2026-11-02T08:00:00Z",
                     *           "updated_at": "2026-12-05T09:30:00Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterPage"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    registerCluster: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClusterCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    /** @description the path of the resource the request created or started */
                    Location?: string;
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "idc-a-1",
                     *       "idc": "idc-a",
                     *       "provider": "self-built",
                     *       "api_server": "https://10.0.0.10:6443",
                     *       "labels": {
                     *         "tier": "gold"
                     *       },
                     *       "status": "ready",
                     *       "status_reason": null,
                     *       "last_seen_at": "2026-12-05T09:30:00Z",
                     *       "latency_ms": 4.2,
                     *       "kubernetes_version": "v1.34.4",
                     *       "node_count": 12,
                     *       "environments": [
                     *         {
                     *           "environment": "prod",
                     *           "namespace": "shop-prod"
                     *         }
                     *       ],
                     *       "revision": 3,
                     *       "created_at": "2026-11-02T08:00:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description The cluster could not be reached */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    getCluster: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "idc-a-1",
                     *       "idc": "idc-a",
                     *       "provider": "self-built",
                     *       "api_server": "https://10.0.0.10:6443",
                     *       "labels": {
                     *         "tier": "gold"
                     *       },
                     *       "status": "ready",
                     *       "status_reason": null,
                     *       "last_seen_at": "2026-12-05T09:30:00Z",
                     *       "latency_ms": 4.2,
                     *       "kubernetes_version": "v1.34.4",
                     *       "node_count": 12,
                     *       "environments": [
                     *         {
                     *           "environment": "prod",
                     *           "namespace": "shop-prod"
                     *         }
                     *       ],
                     *       "revision": 3,
                     *       "created_at": "2026-11-02T08:00:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    deregisterCluster: {
        parameters: {
            query?: {
                /** @description deregister even while environments still map the cluster */
                force?: boolean;
            };
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    updateCluster: {
        parameters: {
            query?: never;
            header?: {
                /** @description ETag from a GET; 412 if it changed */
                "if-match"?: string | null;
            };
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClusterUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "idc-a-1",
                     *       "idc": "idc-a",
                     *       "provider": "self-built",
                     *       "api_server": "https://10.0.0.10:6443",
                     *       "labels": {
                     *         "tier": "gold"
                     *       },
                     *       "status": "ready",
                     *       "status_reason": null,
                     *       "last_seen_at": "2026-12-05T09:30:00Z",
                     *       "latency_ms": 4.2,
                     *       "kubernetes_version": "v1.34.4",
                     *       "node_count": 12,
                     *       "environments": [
                     *         {
                     *           "environment": "prod",
                     *           "namespace": "shop-prod"
                     *         }
                     *       ],
                     *       "revision": 3,
                     *       "created_at": "2026-11-02T08:00:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description The resource changed since it was read */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description The new API server could not be reached */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    rotateClusterCredentials: {
        parameters: {
            query?: never;
            header?: {
                /** @description ETag from a GET; 412 if it changed */
                "if-match"?: string | null;
            };
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CredentialsRotate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "idc-a-1",
                     *       "idc": "idc-a",
                     *       "provider": "self-built",
                     *       "api_server": "https://10.0.0.10:6443",
                     *       "labels": {
                     *         "tier": "gold"
                     *       },
                     *       "status": "ready",
                     *       "status_reason": null,
                     *       "last_seen_at": "2026-12-05T09:30:00Z",
                     *       "latency_ms": 4.2,
                     *       "kubernetes_version": "v1.34.4",
                     *       "node_count": 12,
                     *       "environments": [
                     *         {
                     *           "environment": "prod",
                     *           "namespace": "shop-prod"
                     *         }
                     *       ],
                     *       "revision": 3,
                     *       "created_at": "2026-11-02T08:00:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description The resource changed since it was read */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description The cluster could not be reached */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    getClusterConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClusterConnection"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    listEnvironments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example [
                     *       {
                     *         "name": "prod",
                     *         "description": "Production",
                     *         "clusters": [
                     *           {
                     *             "cluster": "idc-a-prod",
                     *             "namespace": "prod"
                     *           },
                     *           {
                     *             "cluster": "idc-b-prod",
                     *             "namespace": "prod"
                     *           }
                     *         ],
                     *         "policy": {
                     *           "release": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "rollback": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "scale": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "control": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "isolate": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "approval": {
                     *             "required": false,
                     *             "by": {
                     *               "role": "developer",
                     *               "teams": []
                     *             },
                     *             "four_eyes": true
                     *           },
                     *           "default_plan": null,
                     *           "freeze_windows": [],
                     *           "analysis": null,
                     *           "pod_security": "restricted"
                     *         },
                     *         "revision": 1,
                     *         "created_at": "2026-12-05T09:30:00Z"
                     *       }
                     *     ]
                     */
                    "application/json": components["schemas"]["EnvironmentOut"][];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    createEnvironment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnvironmentCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    /** @description the path of the resource the request created or started */
                    Location?: string;
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "prod",
                     *       "description": "Production",
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-prod",
                     *           "namespace": "prod"
                     *         },
                     *         {
                     *           "cluster": "idc-b-prod",
                     *           "namespace": "prod"
                     *         }
                     *       ],
                     *       "policy": {
                     *         "release": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "rollback": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "scale": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "control": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "isolate": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "approval": {
                     *           "required": false,
                     *           "by": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "four_eyes": true
                     *         },
                     *         "default_plan": null,
                     *         "freeze_windows": [],
                     *         "analysis": null,
                     *         "pod_security": "restricted"
                     *       },
                     *       "revision": 1,
                     *       "created_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EnvironmentOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    getEnvironment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "prod",
                     *       "description": "Production",
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-prod",
                     *           "namespace": "prod"
                     *         },
                     *         {
                     *           "cluster": "idc-b-prod",
                     *           "namespace": "prod"
                     *         }
                     *       ],
                     *       "policy": {
                     *         "release": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "rollback": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "scale": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "control": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "isolate": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "approval": {
                     *           "required": false,
                     *           "by": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "four_eyes": true
                     *         },
                     *         "default_plan": null,
                     *         "freeze_windows": [],
                     *         "analysis": null,
                     *         "pod_security": "restricted"
                     *       },
                     *       "revision": 1,
                     *       "created_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EnvironmentOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    deleteEnvironment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    setEnvironmentPolicy: {
        parameters: {
            query?: never;
            header?: {
                /** @description ETag from a GET; 412 if it changed */
                "if-match"?: string | null;
            };
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnvironmentPolicy"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    /** @description the resource's version: send it back in If-Match to change it */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "prod",
                     *       "description": "Production",
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-prod",
                     *           "namespace": "prod"
                     *         },
                     *         {
                     *           "cluster": "idc-b-prod",
                     *           "namespace": "prod"
                     *         }
                     *       ],
                     *       "policy": {
                     *         "release": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "rollback": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "scale": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "control": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "isolate": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "approval": {
                     *           "required": false,
                     *           "by": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "four_eyes": true
                     *         },
                     *         "default_plan": null,
                     *         "freeze_windows": [],
                     *         "analysis": null,
                     *         "pod_security": "restricted"
                     *       },
                     *       "revision": 1,
                     *       "created_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EnvironmentOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description If-Match names an older revision */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    placeEnvironment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                cluster: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlacementSet"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "name": "prod",
                     *       "description": "Production",
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-prod",
                     *           "namespace": "prod"
                     *         },
                     *         {
                     *           "cluster": "idc-b-prod",
                     *           "namespace": "prod"
                     *         }
                     *       ],
                     *       "policy": {
                     *         "release": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "rollback": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "scale": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "control": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "isolate": {
                     *           "role": "developer",
                     *           "teams": []
                     *         },
                     *         "approval": {
                     *           "required": false,
                     *           "by": {
                     *             "role": "developer",
                     *             "teams": []
                     *           },
                     *           "four_eyes": true
                     *         },
                     *         "default_plan": null,
                     *         "freeze_windows": [],
                     *         "analysis": null,
                     *         "pod_security": "restricted"
                     *       },
                     *       "revision": 1,
                     *       "created_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["EnvironmentOut"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    unplaceEnvironment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                cluster: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    listNodes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example [
                     *       {
                     *         "name": "idc-a-1-node-1",
                     *         "ready": true,
                     *         "unschedulable": false,
                     *         "roles": [
                     *           "worker"
                     *         ],
                     *         "labels": {
                     *           "kubernetes.io/hostname": "idc-a-1-node-1",
                     *           "tier": "gold"
                     *         },
                     *         "taints": [],
                     *         "capacity": {
                     *           "cpu": "16",
                     *           "memory": "64Gi",
                     *           "pods": "110"
                     *         },
                     *         "allocatable": {
                     *           "cpu": "15500m",
                     *           "memory": "62Gi",
                     *           "pods": "110"
                     *         },
                     *         "kubelet_version": "v1.34.4",
                     *         "pods": 23
                     *       }
                     *     ]
                     */
                    "application/json": components["schemas"]["NodeOut"][];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    changeNodeLabels: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                node: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LabelChange"];
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    changeNodeTaints: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                node: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaintChange"];
            };
        };
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    cordonNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    uncordonNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    drainNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                node: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DrainRequest"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "node": "idc-a-1-node-1",
                     *       "completed": true,
                     *       "elapsed_s": 12.4,
                     *       "pods": [
                     *         {
                     *           "namespace": "shop-prod",
                     *           "pod": "shop-7d9f-abcde",
                     *           "outcome": "evicted",
                     *           "message": ""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["DrainReport"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    removeNode: {
        parameters: {
            query?: {
                /** @description drain deadline */
                timeout_s?: number;
                /** @description remove the node even when its drain did not finish */
                force?: boolean;
            };
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "node": "idc-a-1-node-1",
                     *       "completed": true,
                     *       "elapsed_s": 12.4,
                     *       "pods": [
                     *         {
                     *           "namespace": "shop-prod",
                     *           "pod": "shop-7d9f-abcde",
                     *           "outcome": "evicted",
                     *           "message": ""
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["DrainReport"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    clusterCapacity: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "cluster": "idc-a-1",
                     *       "idc": "idc-a",
                     *       "cpu": {
                     *         "allocatable": 46.5,
                     *         "requested": 31.2
                     *       },
                     *       "memory": {
                     *         "allocatable": 190000000000,
                     *         "requested": 120000000000
                     *       },
                     *       "pods": {
                     *         "allocatable": 330,
                     *         "requested": 141
                     *       },
                     *       "nodes": [
                     *         {
                     *           "node": "idc-a-1-node-1",
                     *           "cpu": {
                     *             "allocatable": 15.5,
                     *             "requested": 10.4
                     *           },
                     *           "memory": {
                     *             "allocatable": 64000000000,
                     *             "requested": 41000000000
                     *           },
                     *           "pods": {
                     *             "allocatable": 110,
                     *             "requested": 47
                     *           }
                     *         }
                     *       ],
                     *       "usage_trend": null
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterCapacity"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    idcCapacity: {
        parameters: {
            query?: {
                /** @description A DNS label */
                idc?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example [
                     *       {
                     *         "idc": "idc-a",
                     *         "clusters": [
                     *           "idc-a-1",
                     *           "idc-a-2"
                     *         ],
                     *         "cpu": {
                     *           "allocatable": 93,
                     *           "requested": 60.1
                     *         },
                     *         "memory": {
                     *           "allocatable": 380000000000,
                     *           "requested": 230000000000
                     *         },
                     *         "pods": {
                     *           "allocatable": 660,
                     *           "requested": 280
                     *         },
                     *         "unreachable": []
                     *       }
                     *     ]
                     */
                    "application/json": components["schemas"]["IdcCapacity"][];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
    listAudit: {
        parameters: {
            query?: {
                /** @description only entries about this target */
                target?: string | null;
                /** @description at most this many per page */
                limit?: number;
                /** @description from a previous next_cursor */
                cursor?: number | null;
                /** @description entries at or after (ISO 8601) */
                since?: string | null;
                /** @description entries before (ISO 8601) */
                until?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "id": 1042,
                     *           "at": "2026-12-05T09:30:00Z",
                     *           "actor": "ada",
                     *           "action": "release.rollback",
                     *           "target": "shop",
                     *           "outcome": "ok",
                     *           "detail": {
                     *             "to": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4"
                     *           },
                     *           "request_id": "9f1c2e7a4b5d"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description Bad Request */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unauthorized */
            401: {
                headers: {
                    /** @description `Bearer realm="flotilla"`: send a valid bearer token */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Not Found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Unprocessable Entity */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Internal Server Error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
            /** @description Service Unavailable */
            503: {
                headers: {
                    /** @description seconds to wait before trying again */
                    "Retry-After"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** Format: uri */
                        type: string;
                        title: string;
                        status: number;
                        detail?: string;
                        instance?: string;
                    };
                };
            };
        };
    };
}
