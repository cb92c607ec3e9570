// Generated from openapi/monitor-gateway.json by scripts/generate-types.mjs: do not edit.
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
    "/v1/apps/{app}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An app's metric over a time range, one series per cluster and pod
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         *
         *     Pods' metrics come from cAdvisor and kube-state-metrics, one series per cluster and pod (`ready_replicas`: per cluster); `http_requests_per_s` and `http_5xx_per_s` are the unified ingress's answers for the app, one series per cluster (with `pod`: 422). The PromQL that ran is in the answer.
         */
        get: operations["appMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/query": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Admins: any PromQL, passed through to Prometheus (instant query)
         * @description **Access:** role admin or stronger.
         */
        get: operations["promqlQuery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Alerts, newest first
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listAlerts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{alert_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One alert
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getAlert"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{alert_id}/ack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Acknowledge an alert (someone is on it)
         * @description **Access:** role developer or stronger.
         *
         *     For the alert's app's team (and admins).
         */
        post: operations["acknowledgeAlert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/alert-thresholds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The thresholds the alert rules use for an app
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getAlertThresholds"];
        /**
         * Override the alert rules' thresholds for an app
         * @description **Access:** role developer or stronger.
         *
         *     For the app's team (and admins).
         */
        put: operations["setAlertThresholds"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An app's log lines, newest first, by env, cluster, pod, level, time and text
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         *
         *     At most LOGS_SEARCH_MAX_SPAN_H hours at once (400 beyond), cancelled after
         *     LOGS_SEARCH_TIMEOUT_S (422: narrow the range or add filters).
         */
        get: operations["searchLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/logs/tail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * New log lines of an app as they arrive (Server-Sent Events, from the topic)
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["tailLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/analysis/measurements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * One sample of an analysis check, per cluster and for the clusters together
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        post: operations["measureAnalysisCheck"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Subscriptions, optionally of one scope
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listSubscriptions"];
        put?: never;
        /**
         * Subscribe a destination (webhook, Slack, e-mail) to an app's, team's or env's events
         * @description **Access:** role developer or stronger.
         *
         *     Triggers: release started, waiting for approval, succeeded, partially failed, failed, rolled back; alert fired, resolved; cluster unreachable (env subscriptions). Each is sent once per subscription and subject (release, alert, outage), retried with backoff and kept as `dead` after the retry budget (GET …/deliveries). A webhook or Slack URL that resolves to loopback, link-local or cloud metadata addresses is refused (422) unless MONITOR_GATEWAY_ALLOWED_WEBHOOK_NETWORKS allows it. Secrets are stored encrypted and never returned.
         */
        post: operations["createSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/subscriptions/{subscription_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One subscription
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getSubscription"];
        put?: never;
        post?: never;
        /**
         * Unsubscribe (its deliveries, sent or not, go with it)
         * @description **Access:** role developer or stronger.
         */
        delete: operations["deleteSubscription"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What was sent, is waiting to be sent, or gave up (newest first)
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/deliveries/{delivery_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a dead delivery again (its retry budget starts afresh)
         * @description **Access:** role developer or stronger.
         */
        post: operations["retryDelivery"];
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
         * AlertOut
         * @example {
         *       "acknowledged_at": "2026-12-05T09:32:10Z",
         *       "acknowledged_by": "ada",
         *       "app": "shop",
         *       "cluster": "idc-b-1",
         *       "container": "app",
         *       "env": "prod",
         *       "fired_at": "2026-12-05T09:30:00Z",
         *       "id": "5b2f0c1e-8a3d-4e6f-9b71-2c4d5e6f7a8b",
         *       "message": "shop-6c8b-xk2lp is crash-looping (4 restarts)",
         *       "namespace": "shop-prod",
         *       "pod": "shop-6c8b-xk2lp",
         *       "reason": "crash_loop",
         *       "severity": "critical"
         *     }
         */
        AlertOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** App */
            app: string;
            /** Env */
            env: string;
            /** Cluster */
            cluster: string;
            /** Namespace */
            namespace: string;
            /** Pod */
            pod: string;
            /** Container */
            container: string;
            reason: components["schemas"]["AlertReason"];
            severity: components["schemas"]["AlertSeverity"];
            /** Message */
            message: string;
            /**
             * Fired At
             * Format: date-time
             */
            fired_at: string;
            /** Resolved At */
            resolved_at: string | null;
            /** Acknowledged By */
            acknowledged_by: string | null;
            /** Acknowledged At */
            acknowledged_at: string | null;
        };
        /** AlertPage */
        AlertPage: {
            /** Items */
            items: components["schemas"]["AlertOut"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /**
         * AlertReason
         * @enum {string}
         */
        AlertReason: "restarts" | "crash_loop" | "image_pull" | "oom_killed" | "not_ready" | "orphaned";
        /**
         * AlertSeverity
         * @enum {string}
         */
        AlertSeverity: "info" | "warning" | "critical";
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
            metric?: components["schemas"]["flotilla_contracts__analysis__Metric"] | null;
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
         * DeliveryOut
         * @example {
         *       "about": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
         *       "attempts": 2,
         *       "created_at": "2026-12-05T09:30:58Z",
         *       "id": 4711,
         *       "last_error": "hooks.example.com answered 503: busy",
         *       "message": {
         *         "summary": "shop ... failed",
         *         "trigger": "release.failed"
         *       },
         *       "next_attempt_at": "2026-12-05T09:31:04Z",
         *       "state": "pending",
         *       "subscription_id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
         *       "trigger": "release.failed"
         *     }
         */
        DeliveryOut: {
            /** Id */
            id: number;
            /**
             * Subscription Id
             * Format: uuid
             */
            subscription_id: string;
            /** Trigger */
            trigger: string;
            /**
             * About
             * @description what it is about: a release's or alert's id, an outage
             */
            about: string;
            /**
             * State
             * @enum {string}
             */
            state: "pending" | "delivered" | "dead";
            /** Attempts */
            attempts: number;
            /**
             * Next Attempt At
             * Format: date-time
             */
            next_attempt_at: string;
            /** Last Error */
            last_error: string | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Delivered At */
            delivered_at: string | null;
            /**
             * Message
             * @description what is (or was) sent
             */
            message: {
                [key: string]: unknown;
            };
        };
        /** DeliveryPage */
        DeliveryPage: {
            /** Items */
            items: components["schemas"]["DeliveryOut"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /** EmailIn */
        EmailIn: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "email";
            /** To */
            to: string[];
        };
        /**
         * LogLine
         * @example {
         *       "app": "shop",
         *       "cluster": "idc-a-1",
         *       "container": "app",
         *       "env": "prod",
         *       "idc": "idc-a",
         *       "level": "error",
         *       "message": "payment gateway timed out after 5 s",
         *       "namespace": "shop-prod",
         *       "pod": "shop-7d9f-abcde",
         *       "stage": "stable",
         *       "ts": "2026-12-05T09:30:00Z"
         *     }
         */
        LogLine: {
            /**
             * Ts
             * Format: date-time
             */
            ts: string;
            /** App */
            app: string;
            /** Env */
            env: string;
            /** Cluster */
            cluster: string;
            /** Idc */
            idc: string;
            /** Stage */
            stage: string;
            /** Namespace */
            namespace: string;
            /** Pod */
            pod: string;
            /** Container */
            container: string;
            /** Level */
            level: string;
            /** Message */
            message: string;
        };
        /** LogPage */
        LogPage: {
            /** Items */
            items: components["schemas"]["LogLine"][];
            /**
             * Next Cursor
             * @description pass back as `cursor` for older lines
             */
            next_cursor: string | null;
        };
        /** MeasureIn */
        MeasureIn: {
            /** App */
            app: string;
            /** Env */
            env: string;
            /**
             * Version
             * @description the release's pods' version
             */
            version?: string | null;
            /**
             * Clusters
             * @description the wave's clusters (each a cluster name)
             */
            clusters: string[];
            check: components["schemas"]["Check"];
            /**
             * Gray
             * @description measure the canary scope: gray minus stable pods
             * @default false
             */
            gray: boolean;
        };
        /** MeasurementOut */
        MeasurementOut: {
            /** Check */
            check: string;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /**
             * Clusters
             * @description per cluster; null: no data
             */
            clusters: {
                [key: string]: number | null;
            };
            /**
             * Wave
             * @description the clusters together (checks with a wave condition)
             */
            wave: number | null;
            /**
             * Canary
             * @description per cluster, gray pods minus stable pods (when asked with gray)
             */
            canary: {
                [key: string]: number | null;
            };
            /**
             * Queries
             * @description the PromQL that was run
             */
            queries: string[];
        };
        /**
         * Metric
         * @enum {string}
         */
        "Metric-Output": "cpu_usage_cores" | "cpu_throttled_ratio" | "memory_working_set_bytes" | "memory_limit_bytes" | "disk_read_bytes_per_s" | "disk_write_bytes_per_s" | "network_receive_bytes_per_s" | "network_transmit_bytes_per_s" | "restarts" | "ready_replicas" | "http_requests_per_s" | "http_5xx_per_s";
        /**
         * MetricOut
         * @example {
         *       "app": "shop",
         *       "end": "2026-12-05T09:30:00Z",
         *       "metric": "http_requests_per_s",
         *       "query": "sum by (cluster) (rate(flotilla_ingress_http_responses_total{app=\"shop\", env=\"prod\"}[120s]))",
         *       "series": [
         *         {
         *           "labels": {
         *             "cluster": "idc-a-1"
         *           },
         *           "points": [
         *             [
         *               1796549400,
         *               41.5
         *             ],
         *             [
         *               1796549460,
         *               43
         *             ]
         *           ]
         *         }
         *       ],
         *       "start": "2026-12-05T08:30:00Z",
         *       "step_s": 60,
         *       "unit": "requests/s"
         *     }
         */
        MetricOut: {
            /** App */
            app: string;
            metric: components["schemas"]["Metric-Output"];
            /** Unit */
            unit: string;
            /**
             * Query
             * @description the PromQL that was run
             */
            query: string;
            /**
             * Start
             * Format: date-time
             */
            start: string;
            /**
             * End
             * Format: date-time
             */
            end: string;
            /** Step S */
            step_s: number;
            /** Series */
            series: components["schemas"]["Series"][];
        };
        /** Scope */
        Scope: {
            /**
             * Kind
             * @description app: one app's; team: every app of the team's; env: everything in the environment (and clusters' outages) — admins only
             * @enum {string}
             */
            kind: "app" | "env" | "team";
            /** Name */
            name: string;
        };
        /** Series */
        Series: {
            /** Labels */
            labels: {
                [key: string]: string;
            };
            /**
             * Points
             * @description [unix seconds, value] pairs
             */
            points: [
                number,
                number
            ][];
        };
        /** SlackIn */
        SlackIn: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "slack";
            /**
             * Url
             * @description a Slack-compatible incoming webhook; its URL is its secret: stored encrypted, shown by host only
             */
            url: string;
        };
        /**
         * SubscriptionIn
         * @example {
         *       "destination": {
         *         "kind": "webhook",
         *         "secret": "a-long-random-shared-secret",
         *         "url": "https://hooks.example.com/flotilla"
         *       },
         *       "envs": [
         *         "prod"
         *       ],
         *       "min_severity": "warning",
         *       "name": "shop releases to the team channel",
         *       "scope": {
         *         "kind": "app",
         *         "name": "shop"
         *       },
         *       "triggers": [
         *         "release.failed",
         *         "release.partially_failed",
         *         "alert.fired"
         *       ]
         *     }
         */
        SubscriptionIn: {
            /** Name */
            name: string;
            scope: components["schemas"]["Scope"];
            /** Triggers */
            triggers: components["schemas"]["Trigger"][];
            /**
             * Envs
             * @description only these environments; empty: all
             */
            envs?: string[];
            /** @description alerts below this severity are not sent */
            min_severity?: components["schemas"]["AlertSeverity"] | null;
            /** Destination */
            destination: components["schemas"]["WebhookIn"] | components["schemas"]["SlackIn"] | components["schemas"]["EmailIn"];
        };
        /**
         * SubscriptionOut
         * @example {
         *       "created_at": "2026-12-05T09:30:00Z",
         *       "created_by": "ada",
         *       "destination": {
         *         "kind": "webhook",
         *         "url": "https://hooks.example.com/flotilla"
         *       },
         *       "envs": [
         *         "prod"
         *       ],
         *       "id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
         *       "min_severity": "warning",
         *       "name": "shop releases to the team channel",
         *       "scope": {
         *         "kind": "app",
         *         "name": "shop"
         *       },
         *       "triggers": [
         *         "release.failed",
         *         "release.partially_failed",
         *         "alert.fired"
         *       ]
         *     }
         */
        SubscriptionOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Name */
            name: string;
            scope: components["schemas"]["Scope"];
            /** Triggers */
            triggers: components["schemas"]["Trigger"][];
            /** Envs */
            envs: string[];
            min_severity: components["schemas"]["AlertSeverity"] | null;
            /**
             * Destination
             * @description where to, without its secret
             */
            destination: {
                [key: string]: unknown;
            };
            /** Created By */
            created_by: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
        };
        /** SubscriptionPage */
        SubscriptionPage: {
            /** Items */
            items: components["schemas"]["SubscriptionOut"][];
        };
        /**
         * ThresholdsIn
         * @example {
         *       "restarts": 5,
         *       "restarts_window_s": 900
         *     }
         */
        ThresholdsIn: {
            /**
             * Restarts
             * @description restarts within the window that alert
             * @default 3
             */
            restarts: number;
            /**
             * Restarts Window S
             * @default 600
             */
            restarts_window_s: number;
            /**
             * Not Ready S
             * @description not ready longer than this
             * @default 300
             */
            not_ready_s: number;
            /**
             * Isolated Retention S
             * @description an isolated pod older than this is an orphan
             * @default 86400
             */
            isolated_retention_s: number;
        };
        /**
         * ThresholdsOut
         * @example {
         *       "app": "shop",
         *       "default": false,
         *       "isolated_retention_s": 86400,
         *       "not_ready_s": 300,
         *       "restarts": 5,
         *       "restarts_window_s": 900
         *     }
         */
        ThresholdsOut: {
            /**
             * Restarts
             * @description restarts within the window that alert
             * @default 3
             */
            restarts: number;
            /**
             * Restarts Window S
             * @default 600
             */
            restarts_window_s: number;
            /**
             * Not Ready S
             * @description not ready longer than this
             * @default 300
             */
            not_ready_s: number;
            /**
             * Isolated Retention S
             * @description an isolated pod older than this is an orphan
             * @default 86400
             */
            isolated_retention_s: number;
            /** App */
            app: string;
            /**
             * Default
             * @description no override stored: the defaults apply
             */
            default: boolean;
        };
        /**
         * Trigger
         * @enum {string}
         */
        Trigger: "release.started" | "release.waiting_approval" | "release.succeeded" | "release.partially_failed" | "release.failed" | "release.rolled_back" | "alert.fired" | "alert.resolved" | "cluster.unreachable";
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
        /** WebhookIn */
        WebhookIn: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "webhook";
            /** Url */
            url: string;
            /**
             * Secret
             * Format: password
             * @description signs each request (Flotilla-Signature); stored encrypted, never shown
             */
            secret: string;
        };
        /**
         * Metric
         * @enum {string}
         */
        flotilla_contracts__analysis__Metric: "http_5xx_ratio" | "http_p99_latency_s" | "restarts" | "oom_kills" | "alerts_firing";
        /**
         * Metric
         * @enum {string}
         */
        monitor_gateway__metrics__promql__Metric: "cpu_usage_cores" | "cpu_throttled_ratio" | "memory_working_set_bytes" | "memory_limit_bytes" | "disk_read_bytes_per_s" | "disk_write_bytes_per_s" | "network_receive_bytes_per_s" | "network_transmit_bytes_per_s" | "restarts" | "ready_replicas" | "http_requests_per_s" | "http_5xx_per_s";
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
    appMetrics: {
        parameters: {
            query: {
                /** @description which series (see MetricOut.unit) */
                metric: components["schemas"]["monitor_gateway__metrics__promql__Metric"];
                /** @description A DNS label */
                env?: string | null;
                /** @description A DNS label */
                cluster?: string | null;
                /** @description A Kubernetes object name */
                pod?: string | null;
                /** @description default: an hour before end */
                start?: string | null;
                /** @description default: now */
                end?: string | null;
                /** @description seconds between points */
                step_s?: number;
            };
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
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
                     *       "metric": "http_requests_per_s",
                     *       "unit": "requests/s",
                     *       "query": "sum by (cluster) (rate(flotilla_ingress_http_responses_total{app=\"shop\", env=\"prod\"}[120s]))",
                     *       "start": "2026-12-05T08:30:00Z",
                     *       "end": "2026-12-05T09:30:00Z",
                     *       "step_s": 60,
                     *       "series": [
                     *         {
                     *           "labels": {
                     *             "cluster": "idc-a-1"
                     *           },
                     *           "points": [
                     *             [
                     *               1796549400,
                     *               41.5
                     *             ],
                     *             [
                     *               1796549460,
                     *               43
                     *             ]
                     *           ]
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["MetricOut"];
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
    promqlQuery: {
        parameters: {
            query: {
                /** @description PromQL */
                query: string;
                /** @description evaluation time; default: now */
                time?: string | null;
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
                    "application/json": {
                        [key: string]: unknown;
                    };
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
    listAlerts: {
        parameters: {
            query?: {
                /** @description A DNS label */
                app?: string | null;
                /** @description A DNS label */
                env?: string | null;
                /** @description A DNS label */
                cluster?: string | null;
                /** @description only alerts of this kind */
                reason?: components["schemas"]["AlertReason"] | null;
                /** @description active: firing now; resolved: over */
                state?: "active" | "resolved" | "all";
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
                     *           "id": "5b2f0c1e-8a3d-4e6f-9b71-2c4d5e6f7a8b",
                     *           "app": "shop",
                     *           "env": "prod",
                     *           "cluster": "idc-b-1",
                     *           "namespace": "shop-prod",
                     *           "pod": "shop-6c8b-xk2lp",
                     *           "container": "app",
                     *           "reason": "crash_loop",
                     *           "severity": "critical",
                     *           "message": "shop-6c8b-xk2lp is crash-looping (4 restarts)",
                     *           "fired_at": "2026-12-05T09:30:00Z",
                     *           "resolved_at": null,
                     *           "acknowledged_by": "ada",
                     *           "acknowledged_at": "2026-12-05T09:32:10Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["AlertPage"];
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
    getAlert: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the alert's id (a UUID) */
                alert_id: string;
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
                     *       "id": "5b2f0c1e-8a3d-4e6f-9b71-2c4d5e6f7a8b",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "cluster": "idc-b-1",
                     *       "namespace": "shop-prod",
                     *       "pod": "shop-6c8b-xk2lp",
                     *       "container": "app",
                     *       "reason": "crash_loop",
                     *       "severity": "critical",
                     *       "message": "shop-6c8b-xk2lp is crash-looping (4 restarts)",
                     *       "fired_at": "2026-12-05T09:30:00Z",
                     *       "resolved_at": null,
                     *       "acknowledged_by": "ada",
                     *       "acknowledged_at": "2026-12-05T09:32:10Z"
                     *     }
                     */
                    "application/json": components["schemas"]["AlertOut"];
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
    acknowledgeAlert: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the alert's id (a UUID) */
                alert_id: string;
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
                     *       "id": "5b2f0c1e-8a3d-4e6f-9b71-2c4d5e6f7a8b",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "cluster": "idc-b-1",
                     *       "namespace": "shop-prod",
                     *       "pod": "shop-6c8b-xk2lp",
                     *       "container": "app",
                     *       "reason": "crash_loop",
                     *       "severity": "critical",
                     *       "message": "shop-6c8b-xk2lp is crash-looping (4 restarts)",
                     *       "fired_at": "2026-12-05T09:30:00Z",
                     *       "resolved_at": null,
                     *       "acknowledged_by": "ada",
                     *       "acknowledged_at": "2026-12-05T09:32:10Z"
                     *     }
                     */
                    "application/json": components["schemas"]["AlertOut"];
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
    getAlertThresholds: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
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
                     *       "default": false,
                     *       "restarts": 5,
                     *       "restarts_window_s": 900,
                     *       "not_ready_s": 300,
                     *       "isolated_retention_s": 86400
                     *     }
                     */
                    "application/json": components["schemas"]["ThresholdsOut"];
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
    setAlertThresholds: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ThresholdsIn"];
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
                     *       "default": false,
                     *       "restarts": 5,
                     *       "restarts_window_s": 900,
                     *       "not_ready_s": 300,
                     *       "isolated_retention_s": 86400
                     *     }
                     */
                    "application/json": components["schemas"]["ThresholdsOut"];
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
    searchLogs: {
        parameters: {
            query?: {
                /** @description default: an hour before `until` */
                since?: string | null;
                /** @description default: now */
                until?: string | null;
                /** @description full-text (words) */
                q?: string | null;
                /** @description substring, case-insensitive */
                contains?: string | null;
                /** @description at most this many lines */
                limit?: number;
                /** @description a next_cursor: older lines */
                cursor?: string | null;
                /** @description A Kubernetes object name */
                env?: string | null;
                /** @description A Kubernetes object name */
                cluster?: string | null;
                /** @description A Kubernetes object name */
                pod?: string | null;
                /** @description one level or several, comma-separated */
                level?: string | null;
            };
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
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
                     *       "items": [
                     *         {
                     *           "ts": "2026-12-05T09:30:00Z",
                     *           "app": "shop",
                     *           "env": "prod",
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "stage": "stable",
                     *           "namespace": "shop-prod",
                     *           "pod": "shop-7d9f-abcde",
                     *           "container": "app",
                     *           "level": "error",
                     *           "message": "payment gateway timed out after 5 s"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["LogPage"];
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
    tailLogs: {
        parameters: {
            query?: {
                /** @description A Kubernetes object name */
                env?: string | null;
                /** @description A Kubernetes object name */
                cluster?: string | null;
                /** @description A Kubernetes object name */
                pod?: string | null;
                /** @description one level or several, comma-separated */
                level?: string | null;
            };
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
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
                    "text/event-stream": unknown;
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
    measureAnalysisCheck: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MeasureIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeasurementOut"];
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
    listSubscriptions: {
        parameters: {
            query?: {
                /** @description only this kind of scope */
                scope_kind?: ("app" | "env" | "team") | null;
                /** @description only this app, team or environment */
                scope?: string | null;
                /** @description at most this many */
                limit?: number;
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
                     *           "id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                     *           "name": "shop releases to the team channel",
                     *           "scope": {
                     *             "kind": "app",
                     *             "name": "shop"
                     *           },
                     *           "triggers": [
                     *             "release.failed",
                     *             "release.partially_failed",
                     *             "alert.fired"
                     *           ],
                     *           "envs": [
                     *             "prod"
                     *           ],
                     *           "min_severity": "warning",
                     *           "destination": {
                     *             "kind": "webhook",
                     *             "url": "https://hooks.example.com/flotilla"
                     *           },
                     *           "created_by": "ada",
                     *           "created_at": "2026-12-05T09:30:00Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["SubscriptionPage"];
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
    createSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubscriptionIn"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    /** @description the path of the resource the request created or started */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                     *       "name": "shop releases to the team channel",
                     *       "scope": {
                     *         "kind": "app",
                     *         "name": "shop"
                     *       },
                     *       "triggers": [
                     *         "release.failed",
                     *         "release.partially_failed",
                     *         "alert.fired"
                     *       ],
                     *       "envs": [
                     *         "prod"
                     *       ],
                     *       "min_severity": "warning",
                     *       "destination": {
                     *         "kind": "webhook",
                     *         "url": "https://hooks.example.com/flotilla"
                     *       },
                     *       "created_by": "ada",
                     *       "created_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["SubscriptionOut"];
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
    getSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the subscription's id (a UUID) */
                subscription_id: string;
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
                     *       "id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                     *       "name": "shop releases to the team channel",
                     *       "scope": {
                     *         "kind": "app",
                     *         "name": "shop"
                     *       },
                     *       "triggers": [
                     *         "release.failed",
                     *         "release.partially_failed",
                     *         "alert.fired"
                     *       ],
                     *       "envs": [
                     *         "prod"
                     *       ],
                     *       "min_severity": "warning",
                     *       "destination": {
                     *         "kind": "webhook",
                     *         "url": "https://hooks.example.com/flotilla"
                     *       },
                     *       "created_by": "ada",
                     *       "created_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["SubscriptionOut"];
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
    deleteSubscription: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the subscription's id (a UUID) */
                subscription_id: string;
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
    listDeliveries: {
        parameters: {
            query?: {
                /** @description only this subscription's */
                subscription?: string | null;
                /** @description only in this state */
                state?: ("pending" | "delivered" | "dead") | null;
                /** @description at most this many */
                limit?: number;
                /** @description a next_cursor: older ones */
                cursor?: number | null;
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
                     *           "id": 4711,
                     *           "subscription_id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                     *           "trigger": "release.failed",
                     *           "about": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *           "state": "pending",
                     *           "attempts": 2,
                     *           "next_attempt_at": "2026-12-05T09:31:04Z",
                     *           "last_error": "hooks.example.com answered 503: busy",
                     *           "created_at": "2026-12-05T09:30:58Z",
                     *           "delivered_at": null,
                     *           "message": {
                     *             "trigger": "release.failed",
                     *             "summary": "shop ... failed"
                     *           }
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["DeliveryPage"];
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
    retryDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the delivery's id */
                delivery_id: number;
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
                     *       "id": 4711,
                     *       "subscription_id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                     *       "trigger": "release.failed",
                     *       "about": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "state": "pending",
                     *       "attempts": 2,
                     *       "next_attempt_at": "2026-12-05T09:31:04Z",
                     *       "last_error": "hooks.example.com answered 503: busy",
                     *       "created_at": "2026-12-05T09:30:58Z",
                     *       "delivered_at": null,
                     *       "message": {
                     *         "trigger": "release.failed",
                     *         "summary": "shop ... failed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["DeliveryOut"];
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
