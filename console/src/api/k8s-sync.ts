// Generated from openapi/k8s-sync.json by scripts/generate-types.mjs: do not edit.
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
    "/v1/sync/clusters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Watch health per cluster
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["syncClusters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sync/apps/{app}/{env}/following": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Whether the ingress follows an app's pods as they change, per cluster
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         *
         *     release-api asks this before each step that replaces pods, and holds the rollout (its
         *     Deployment paused) while the answer for its cluster is no: a pod replaced while the
         *     ingress cannot move off it would fail the requests still sent to it. Not following in a
         *     cluster: it is not watched live (its pods' changes are not seen); in every cluster: the
         *     app's backend failed to apply on an instance that is up, or an instance serves while its
         *     runtime API fails (changes do not reach that HAProxy). An instance that is down — not
         *     running — serves nothing and holds nothing. Cheap: no HAProxy read.
         */
        get: operations["ingressFollowing"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sync/replica": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This replica: leader or follower
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["syncReplica"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sync/apps/{app}/{env}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What the ingress should serve for an app, and what each instance serves
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["appSyncStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sync/apps/{app}/{env}/wait": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Block until every ingress instance that serves traffic serves exactly these pods
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         *
         *     A backend still being created (its reload pending) is waited for, within the timeout;
         *     an instance that is down is not waited for (it serves nothing, and is repaired in full when
         *     it returns), but one that is blocked is: it still serves, from what it had, so until its
         *     runtime API takes changes again it may send requests to pods the caller is about to stop.
         *     HAProxy is read at most every 100 ms per backend however many wait (status/reads.py).
         */
        post: operations["waitForIngress"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingress/instances": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every HAProxy instance
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["ingressInstances"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingress/routes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The route table
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["ingressRoutes"];
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
         * AppSyncStatus
         * @example {
         *       "app": "shop",
         *       "backend": "shop-prod",
         *       "desired": [
         *         {
         *           "address": "10.1.4.17",
         *           "cluster": "idc-a-1",
         *           "pod": "shop-7d9f-abcde",
         *           "port": 8080,
         *           "slot": "s1",
         *           "state": "ready"
         *         }
         *       ],
         *       "env": "prod",
         *       "hosts": [
         *         "shop.prod.apps.example.com"
         *       ],
         *       "in_sync": true,
         *       "instances": [
         *         {
         *           "applied": [
         *             {
         *               "address": "10.1.4.17",
         *               "cluster": "idc-a-1",
         *               "pod": "shop-7d9f-abcde",
         *               "port": 8080,
         *               "slot": "s1",
         *               "state": "ready"
         *             }
         *           ],
         *           "configured": true,
         *           "in_sync": true,
         *           "ingress": "ingress-a",
         *           "up": true
         *         }
         *       ],
         *       "route_errors": []
         *     }
         */
        AppSyncStatus: {
            /** App */
            app: string;
            /** Env */
            env: string;
            /** Backend */
            backend: string;
            /**
             * Hosts
             * @description hostnames routed to it
             */
            hosts: string[];
            /**
             * Route Errors
             * @description what in its route was refused, and why
             */
            route_errors: string[];
            /** Desired */
            desired: components["schemas"]["ServerOut"][];
            /** Instances */
            instances: components["schemas"]["InstanceAppStatus"][];
            /**
             * In Sync
             * @description every instance that is up serves exactly `desired`
             */
            in_sync: boolean;
            /** Last Error */
            last_error: string | null;
        };
        /**
         * ClusterSyncStatus
         * @example {
         *       "cluster": "idc-a-1",
         *       "endpoints": 240,
         *       "lag_ms": 180,
         *       "reconnects": 0,
         *       "relists": 1,
         *       "resource_version": "482113",
         *       "seconds_since_last_event": 0.8,
         *       "services": 31,
         *       "stale": false,
         *       "state": "watching"
         *     }
         */
        ClusterSyncStatus: {
            /** Cluster */
            cluster: string;
            /** State */
            state: string;
            /** Stale */
            stale: boolean;
            /** Resource Version */
            resource_version: string;
            /** Seconds Since Last Event */
            seconds_since_last_event: number | null;
            /** Relists */
            relists: number;
            /** Reconnects */
            reconnects: number;
            /** Last Error */
            last_error: string | null;
            /** Endpoints */
            endpoints: number;
            /**
             * Services
             * @description Flotilla Services seen (the cluster's part of the routes)
             */
            services: number;
            /**
             * Lag Ms
             * @description propagation latency of the latest change applied (seen → read back)
             */
            lag_ms: number | null;
        };
        /**
         * IngressFollowing
         * @description Whether the ingress follows an app's pods as they change, per cluster.
         */
        IngressFollowing: {
            /**
             * Clusters
             * @description every cluster this replica watches → why the ingress does not follow the app's pods there (empty: it does); a cluster missing here is not watched at all
             * @example {
             *       "idc-a-1": [],
             *       "idc-b-1": [
             *         "cluster idc-b-1 is not watched live (listing)"
             *       ]
             *     }
             */
            clusters: {
                [key: string]: string[];
            };
        };
        /** InstanceAppStatus */
        InstanceAppStatus: {
            /** Ingress */
            ingress: string;
            /**
             * Up
             * @description the instance's runtime API answers
             */
            up: boolean;
            /**
             * Serving
             * @description it serves traffic: up, or blocked (running while its runtime API fails, so it serves what it had); an instance that serves is waited for
             * @default true
             */
            serving: boolean;
            /**
             * Configured
             * @description its running configuration has the backend
             */
            configured: boolean;
            /**
             * Pending
             * @description why it does not serve the desired state yet
             */
            pending: string | null;
            /**
             * Applied
             * @description read back from this instance now
             */
            applied: components["schemas"]["ServerOut"][];
            /** In Sync */
            in_sync: boolean;
        };
        /** InstanceOut */
        InstanceOut: {
            /** Name */
            name: string;
            /** Up */
            up: boolean;
            /**
             * Pid
             * @description the worker's pid (changes on reload and restart)
             */
            pid: string | null;
            /** Last Error */
            last_error: string | null;
            /**
             * Generation
             * @description configuration generation it runs
             */
            generation: number | null;
            /** Layout Digest */
            layout_digest: string | null;
            /**
             * Pending Reload
             * @description the layout it needs differs from the running one
             */
            pending_reload: boolean;
            last_reload: components["schemas"]["ReloadOut"] | null;
            /** Backends */
            backends: number;
            /** Slots Used */
            slots_used: number;
            /** Slots Free */
            slots_free: number;
            /** Failing Backends */
            failing_backends: {
                [key: string]: string;
            };
            /** Applied Batches */
            applied_batches: number;
        };
        /** ReloadOut */
        ReloadOut: {
            /** Generation */
            generation: number;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /**
             * Duration Ms
             * @description render, check, save state, reload, new worker up
             */
            duration_ms: number;
            /**
             * Render Ms
             * @description rendering the configuration's text
             */
            render_ms: number;
            /**
             * Outcome
             * @description ok | invalid (refused by haproxy -c) | failed
             */
            outcome: string;
            /**
             * Reason
             * @description what changed: new, resized, shrunk or removed backends
             */
            reason: string;
            /** Error */
            error: string | null;
        };
        /** ReplicaStatus */
        ReplicaStatus: {
            /**
             * Leader
             * @description this replica holds the lock and writes to the ingress
             */
            leader: boolean;
            /**
             * Applied Batches
             * @description batches this replica applied since it started
             */
            applied_batches: number;
            /**
             * Failing Backends
             * @description `<ingress>/<backend>` → last error
             */
            failing_backends: {
                [key: string]: string;
            };
            /** Clusters */
            clusters: number;
        };
        /** RouteErrorOut */
        RouteErrorOut: {
            /** Backend */
            backend: string;
            /** Errors */
            errors: string[];
        };
        /** RouteOut */
        RouteOut: {
            /** App */
            app: string;
            /** Env */
            env: string;
            /** Backend */
            backend: string;
            /** Hosts */
            hosts: string[];
            /**
             * Gray Twin
             * @description backend `x-flotilla-stage: gray` reaches
             */
            gray_twin: string | null;
            /** Errors */
            errors: string[];
        };
        /** RoutesOut */
        RoutesOut: {
            /** Routes */
            routes: components["schemas"]["RouteOut"][];
            /**
             * Refused
             * @description backends whose route could not be rendered at all, and why
             */
            refused: components["schemas"]["RouteErrorOut"][];
        };
        /** ServerOut */
        ServerOut: {
            /**
             * Slot
             * @description the HAProxy server slot holding it
             */
            slot?: string | null;
            /** Cluster */
            cluster: string;
            /** Pod */
            pod: string;
            /** Address */
            address: string;
            /** Port */
            port: number;
            /** State */
            state: string;
        };
        /**
         * WaitRequest
         * @example {
         *       "cluster": "idc-a",
         *       "pods": [
         *         "web-7d9f-abcde",
         *         "web-7d9f-fghij"
         *       ],
         *       "timeout_s": 30
         *     }
         */
        WaitRequest: {
            /** Cluster */
            cluster: string;
            /** Pods */
            pods: string[];
            /**
             * Timeout S
             * @default 30
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
    syncClusters: {
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
                     *         "cluster": "idc-a-1",
                     *         "state": "watching",
                     *         "stale": false,
                     *         "resource_version": "482113",
                     *         "seconds_since_last_event": 0.8,
                     *         "relists": 1,
                     *         "reconnects": 0,
                     *         "last_error": null,
                     *         "endpoints": 240,
                     *         "services": 31,
                     *         "lag_ms": 180
                     *       }
                     *     ]
                     */
                    "application/json": components["schemas"]["ClusterSyncStatus"][];
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
    ingressFollowing: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                env: string;
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
                    "application/json": components["schemas"]["IngressFollowing"];
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
    syncReplica: {
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
                    "application/json": components["schemas"]["ReplicaStatus"];
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
    appSyncStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                env: string;
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
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "backend": "shop-prod",
                     *       "hosts": [
                     *         "shop.prod.apps.example.com"
                     *       ],
                     *       "route_errors": [],
                     *       "desired": [
                     *         {
                     *           "slot": "s1",
                     *           "cluster": "idc-a-1",
                     *           "pod": "shop-7d9f-abcde",
                     *           "address": "10.1.4.17",
                     *           "port": 8080,
                     *           "state": "ready"
                     *         }
                     *       ],
                     *       "instances": [
                     *         {
                     *           "ingress": "ingress-a",
                     *           "up": true,
                     *           "configured": true,
                     *           "pending": null,
                     *           "applied": [
                     *             {
                     *               "slot": "s1",
                     *               "cluster": "idc-a-1",
                     *               "pod": "shop-7d9f-abcde",
                     *               "address": "10.1.4.17",
                     *               "port": 8080,
                     *               "state": "ready"
                     *             }
                     *           ],
                     *           "in_sync": true
                     *         }
                     *       ],
                     *       "in_sync": true,
                     *       "last_error": null
                     *     }
                     */
                    "application/json": components["schemas"]["AppSyncStatus"];
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
    waitForIngress: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                env: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WaitRequest"];
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
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "backend": "shop-prod",
                     *       "hosts": [
                     *         "shop.prod.apps.example.com"
                     *       ],
                     *       "route_errors": [],
                     *       "desired": [
                     *         {
                     *           "slot": "s1",
                     *           "cluster": "idc-a-1",
                     *           "pod": "shop-7d9f-abcde",
                     *           "address": "10.1.4.17",
                     *           "port": 8080,
                     *           "state": "ready"
                     *         }
                     *       ],
                     *       "instances": [
                     *         {
                     *           "ingress": "ingress-a",
                     *           "up": true,
                     *           "configured": true,
                     *           "pending": null,
                     *           "applied": [
                     *             {
                     *               "slot": "s1",
                     *               "cluster": "idc-a-1",
                     *               "pod": "shop-7d9f-abcde",
                     *               "address": "10.1.4.17",
                     *               "port": 8080,
                     *               "state": "ready"
                     *             }
                     *           ],
                     *           "in_sync": true
                     *         }
                     *       ],
                     *       "in_sync": true,
                     *       "last_error": null
                     *     }
                     */
                    "application/json": components["schemas"]["AppSyncStatus"];
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
            /** @description The route cannot be rendered (invalid app or env name) */
            409: {
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
            /** @description The caller (or this replica) holds as many waits as it may */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
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
            /** @description Not in that state within `timeout_s`; the detail says per instance */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ingressInstances: {
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
                    "application/json": components["schemas"]["InstanceOut"][];
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
    ingressRoutes: {
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
                    "application/json": components["schemas"]["RoutesOut"];
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
