// Generated from openapi/release-api.json by scripts/generate-types.mjs: do not edit.
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
    "/v1/apps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List applications
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listApps"];
        put?: never;
        /**
         * Create an application
         * @description **Access:** role developer or stronger.
         */
        post: operations["createApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an application
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getApp"];
        put?: never;
        post?: never;
        /**
         * Archive an application (kept for history; no new releases)
         * @description **Access:** role developer or stronger.
         */
        delete: operations["archiveApp"];
        options?: never;
        head?: never;
        /**
         * Change an application's spec
         * @description **Access:** role developer or stronger.
         */
        patch: operations["updateApp"];
        trace?: never;
    };
    "/v1/apps/{app}/envs/{env}/scale": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set the replicas of an app in every cluster of an env (or one)
         * @description **Access:** role developer or stronger.
         */
        put: operations["scaleApp"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/manifests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Exactly what a release of this app would apply to one cluster
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["previewManifests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Release history of an app, newest first
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listReleases"];
        put?: never;
        /**
         * Release an image to every cluster of an environment, in the waves of a plan
         * @description **Access:** role developer or stronger.
         *
         *     Without `plan`, the environment's default plan, else every cluster at once. 422 `plan-unfit` when the plan does not fit the environment's clusters (the detail names the wave); 409 `environment-frozen` inside a freeze window (the problem names the `window` and `until`; an admin may pass `options.freeze_override`, a reason kept in the audit log); 409 `release-in-progress` while another release of the app to the environment runs.
         */
        post: operations["createRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A release with each cluster's rollout
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getRelease"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/analysis": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every sample of the release's analysis: values per cluster and how each was judged
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["getReleaseAnalysis"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-Sent Events: everything that happens to the release, live
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         *
         *     Each event is `id:` (resume with `Last-Event-ID`), `event:` (its CloudEvents type) and
         *     `data:` (its payload as JSON); the stream ends once the release is finished and every
         *     event was sent. A replica that shuts down ends its streams with a `reconnect` event
         *     (`retry: 500`): reconnect with `Last-Event-ID` and the stream goes on from another one.
         *
         *     A stream holds no database connection between its reads (one short session per poll)
         *     and a replica serves at most FOLLOW_MAX of them (503 with Retry-After beyond).
         */
        get: operations["followRelease"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Release again what an earlier release released (its image and spec)
         * @description **Access:** role developer or stronger.
         */
        post: operations["rollbackToRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/promote": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Promote a running release
         * @description **Access:** role developer or stronger.
         *
         *     Blue-green switches traffic to the new colour; gray rolls stable to the new version.
         */
        post: operations["promoteRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a running release
         * @description **Access:** role developer or stronger.
         *
         *     Every cluster holds where it is (its Deployment is paused).
         */
        post: operations["pauseRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused release
         * @description **Access:** role developer or stronger.
         *
         *     Every cluster goes on; each cluster's deadline starts again.
         */
        post: operations["resumeRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/abort": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Abort a running release
         * @description **Access:** role developer or stronger.
         *
         *     Stop: every cluster under way is put back, those not started end; the clusters done keep the new version (fleet-rollback puts them back too).
         */
        post: operations["abortRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/skip-soak": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End the current wave's soak now (admins)
         * @description **Access:** role developer or stronger.
         *
         *     The wave soaking goes on to its gate at once. 409 unless a wave is soaking.
         */
        post: operations["skipSoakRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/fleet-rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Put every cluster of the release back, at once, wherever its plan stood
         * @description **Access:** role developer or stronger.
         *
         *     The one-command fleet rollback: clusters under way and clusters done go back to the version before this release, concurrently; clusters not started end. Judged by the environment's `rollback` rule; never frozen. A finished release is rolled back with POST …/releases/{earlier}/rollback instead (409 here).
         */
        post: operations["fleetRollbackRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approve a release the environment's policy holds; its clusters start
         * @description **Access:** role developer or stronger.
         *
         *     Allowed to whom the environment's `approval.by` rule names; under four eyes never to the person who requested the release. 409 unless the release is `waiting-approval`.
         */
        post: operations["approveRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/releases/{release_id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reject a release the environment's policy holds; it ends, no cluster touched
         * @description **Access:** role developer or stronger.
         *
         *     Allowed to whom the environment's `approval.by` rule names.
         */
        post: operations["rejectRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/envs/{env}/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rolling restart: release the running image again (new pods everywhere)
         * @description **Access:** role developer or stronger.
         */
        post: operations["restartApp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/releases": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Releases of every app, newest first (active=true: those in flight)
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listFleetReleases"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/deployed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The version running in each cluster, per environment
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         *
         *     For every cluster the app was released to, the version of its newest successful rollout: failed and rolled-back rollouts put the previous version back, so they do not count. `env` keeps one environment.
         */
        get: operations["listDeployedVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/envs/{env}/clusters/{cluster}/pods/{pod}/isolate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Detach a pod from its Deployment and Service; keep it for a post-mortem
         * @description **Access:** role developer or stronger.
         */
        post: operations["isolatePod"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/envs/{env}/isolated-pods": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Pods isolated for a post-mortem, in every cluster of the env
         * @description **Access:** role viewer or stronger, or any Flotilla service token.
         */
        get: operations["listIsolatedPods"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/apps/{app}/envs/{env}/clusters/{cluster}/isolated-pods/{pod}": {
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
         * Delete an isolated pod once the post-mortem is done
         * @description **Access:** role developer or stronger.
         */
        delete: operations["deleteIsolatedPod"];
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
    "/v1/discovery": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Where the services are and how to sign in (no token needed)
         * @description **Access:** anyone (no token).
         */
        get: operations["discover"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dev/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Development mode only: a token for whoever asks (404 in production)
         * @description **Access:** anyone (no token).
         */
        post: operations["developmentLogin"];
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
         * AnalysisOut
         * @example {
         *       "release_id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
         *       "samples": [
         *         {
         *           "at": "2026-12-05T09:30:00Z",
         *           "canary": "",
         *           "check": "errors",
         *           "sample": 1,
         *           "values": {
         *             "idc-a-1": 0.002
         *           },
         *           "verdict": "passed",
         *           "verdicts": {
         *             "idc-a-1": "passed"
         *           },
         *           "wave": 0,
         *           "wave_value": 0.002,
         *           "wave_verdict": "passed"
         *         }
         *       ]
         *     }
         */
        AnalysisOut: {
            /**
             * Release Id
             * Format: uuid
             */
            release_id: string;
            /** Samples */
            samples: components["schemas"]["SampleOut"][];
        };
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
        /**
         * AppCreate
         * @example {
         *       "app_yaml": {
         *         "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application",
         *         "runtime": "python-2.7",
         *         "stack": "youzanyun-centos6"
         *       },
         *       "health_check": {
         *         "path": "/health"
         *       },
         *       "hosts": {
         *         "prod": [
         *           "shop.example.com"
         *         ]
         *       },
         *       "name": "shop",
         *       "replicas": {
         *         "prod": 4,
         *         "test": 1
         *       },
         *       "resources": {
         *         "limits": {
         *           "cpu": "1",
         *           "memory": "512Mi"
         *         },
         *         "requests": {
         *           "cpu": "250m",
         *           "memory": "256Mi"
         *         }
         *       },
         *       "team": "commerce",
         *       "type": "python"
         *     }
         */
        AppCreate: {
            /** @description the app.yaml, as an object or as its YAML text */
            app_yaml?: components["schemas"]["AppYaml"] | null | string;
            /**
             * Port
             * @description default: by type (table)
             */
            port?: number | null;
            resources?: components["schemas"]["Resources"] | null;
            /** Replicas */
            replicas?: {
                [key: string]: number;
            } | null;
            health_check?: components["schemas"]["HealthCheck"] | null;
            lifecycle?: components["schemas"]["Lifecycle"] | null;
            security?: components["schemas"]["Security"] | null;
            /** Sidecars */
            sidecars?: components["schemas"]["Sidecar"][] | null;
            /** Env */
            env?: components["schemas"]["EnvVar"][] | null;
            /** Config Refs */
            config_refs?: components["schemas"]["ConfigRef"][] | null;
            /** Pod Annotations */
            pod_annotations?: {
                [key: string]: string;
            } | null;
            /**
             * Hosts
             * @description hostnames per environment
             */
            hosts?: {
                [key: string]: string[];
            } | null;
            /** Name */
            name: string;
            /** Team */
            team: string;
            type: components["schemas"]["AppType"];
        };
        /**
         * AppOut
         * @example {
         *       "archived": false,
         *       "created_at": "2026-12-05T09:30:00Z",
         *       "name": "shop",
         *       "spec": {
         *         "app_yaml": {
         *           "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application",
         *           "runtime": "python-2.7",
         *           "stack": "youzanyun-centos6"
         *         },
         *         "config_refs": [],
         *         "env": [],
         *         "health_check": {
         *           "failure_threshold": 3,
         *           "initial_delay_s": 5,
         *           "path": "/health",
         *           "period_s": 5,
         *           "timeout_s": 2
         *         },
         *         "hosts": {
         *           "prod": [
         *             "shop.example.com"
         *           ]
         *         },
         *         "lifecycle": {
         *           "drain_extra_s": 0,
         *           "image_commands": []
         *         },
         *         "pod_annotations": {},
         *         "port": 8000,
         *         "replicas": {
         *           "prod": 4,
         *           "test": 1
         *         },
         *         "resources": {
         *           "limits": {
         *             "cpu": "1",
         *             "memory": "512Mi"
         *           },
         *           "requests": {
         *             "cpu": "250m",
         *             "memory": "256Mi"
         *           }
         *         },
         *         "security": {
         *           "run_as_root": false
         *         },
         *         "sidecars": []
         *       },
         *       "team": "commerce",
         *       "type": "python",
         *       "updated_at": "2026-12-05T09:30:00Z",
         *       "version": 1
         *     }
         */
        AppOut: {
            /** Name */
            name: string;
            /** Team */
            team: string;
            type: components["schemas"]["AppType"];
            spec: components["schemas"]["AppSpec"];
            /**
             * Version
             * @description also the ETag; send it back in If-Match to update
             */
            version: number;
            /** Archived */
            archived: boolean;
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
        /** AppPage */
        AppPage: {
            /** Items */
            items: components["schemas"]["AppOut"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /**
         * AppSpec
         * @description Everything a release renders from; stored whole, versioned by the app's ETag.
         */
        AppSpec: {
            app_yaml: components["schemas"]["AppYaml"];
            /** Port */
            port: number;
            resources?: components["schemas"]["Resources"];
            /**
             * Replicas
             * @description replicas per environment (default 2)
             */
            replicas?: {
                [key: string]: number;
            };
            health_check?: components["schemas"]["HealthCheck"];
            lifecycle?: components["schemas"]["Lifecycle"];
            security?: components["schemas"]["Security"];
            /** Sidecars */
            sidecars?: components["schemas"]["Sidecar"][];
            /** Env */
            env?: components["schemas"]["EnvVar"][];
            /** Config Refs */
            config_refs?: components["schemas"]["ConfigRef"][];
            /** Pod Annotations */
            pod_annotations?: {
                [key: string]: string;
            };
            /**
             * Hosts
             * @description hostnames the ingress routes to the app, per environment, beside the environment's own `<app>.<env>...` name; each hostname belongs to one app and one environment (at most 16 per environment)
             * @example {
             *       "prod": [
             *         "shop.example.com",
             *         "www.shop.example.com"
             *       ]
             *     }
             */
            hosts?: {
                [key: string]: string[];
            };
            /** @description the checks this app's releases are judged by, instead of the environment's (built-in metrics only: a custom PromQL check belongs in an environment's policy) */
            analysis?: components["schemas"]["AnalysisTemplate"] | null;
        };
        /**
         * AppType
         * @description Application runtime family; decides the container port convention and JVM flags.
         * @enum {string}
         */
        AppType: "java" | "python" | "node" | "go" | "static";
        /**
         * AppUpdate
         * @example {
         *       "replicas": {
         *         "prod": 6
         *       }
         *     }
         */
        AppUpdate: {
            /** @description the app.yaml, as an object or as its YAML text */
            app_yaml?: components["schemas"]["AppYaml"] | null | string;
            /**
             * Port
             * @description default: by type (table)
             */
            port?: number | null;
            resources?: components["schemas"]["Resources"] | null;
            /** Replicas */
            replicas?: {
                [key: string]: number;
            } | null;
            health_check?: components["schemas"]["HealthCheck"] | null;
            lifecycle?: components["schemas"]["Lifecycle"] | null;
            security?: components["schemas"]["Security"] | null;
            /** Sidecars */
            sidecars?: components["schemas"]["Sidecar"][] | null;
            /** Env */
            env?: components["schemas"]["EnvVar"][] | null;
            /** Config Refs */
            config_refs?: components["schemas"]["ConfigRef"][] | null;
            /** Pod Annotations */
            pod_annotations?: {
                [key: string]: string;
            } | null;
            /**
             * Hosts
             * @description hostnames per environment
             */
            hosts?: {
                [key: string]: string[];
            } | null;
            /** Team */
            team?: string | null;
        };
        /**
         * AppYaml
         * @description The `app.yaml` every repository carries: the build stack, runtime and how to start.
         * @example {
         *       "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application",
         *       "runtime": "python-2.7",
         *       "stack": "youzanyun-centos6"
         *     }
         */
        AppYaml: {
            /**
             * Stack
             * @description base image
             */
            stack: string;
            /**
             * Runtime
             * @description `<language>-<version>`, e.g. python-2.7, java-17, node-20
             */
            runtime: string;
            /**
             * Entrypoint
             * @description the start command
             */
            entrypoint: string;
        };
        /**
         * ApprovalOut
         * @description The hold the environment's policy put on the release, and who decided.
         */
        ApprovalOut: {
            /**
             * Approvers
             * @description who the policy lets approve, in words
             */
            approvers: string;
            /**
             * Four Eyes
             * @description the requester may not approve it
             */
            four_eyes: boolean;
            /**
             * Wave
             * @description the wave whose gate it is (from 0); absent: before any wave
             */
            wave?: number | null;
            /**
             * Reason
             * @description why it waits, when not a gate: the wave's analysis was inconclusive
             */
            reason?: string | null;
            /** Decision */
            decision?: ("approved" | "rejected") | null;
            /** By */
            by?: string | null;
            /**
             * Comment
             * @default
             */
            comment: string;
            /** At */
            at?: string | null;
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
        /** AuthInfo */
        AuthInfo: {
            /** Issuer */
            issuer: string;
            /** Audience */
            audience: string;
            /**
             * Development Login
             * @description POST /v1/dev/token mints tokens (development mode only)
             */
            development_login: boolean;
            /** @description the identity provider's device flow for CLIs, when one is configured */
            device_flow: components["schemas"]["DeviceFlow"] | null;
            /** @description the identity provider's authorization code + PKCE login for the web console, when one is configured */
            browser_login: components["schemas"]["BrowserLogin"] | null;
        };
        /**
         * BrowserLogin
         * @description Where the web console runs the OAuth 2.0 authorization code grant with PKCE (RFC 6749
         *     §4.1, RFC 7636 S256) as a public client: the identity provider must list the console's
         *     URL (`<release-api public URL>/console/`) as a redirect URI and allow it as a CORS origin
         *     at its token endpoint. The access token it returns is what the services verify (by
         *     AUTH_JWKS_URL), so it must carry Flotilla's audience, `roles` and `teams`.
         */
        BrowserLogin: {
            /** Client Id */
            client_id: string;
            /** Authorization Endpoint */
            authorization_endpoint: string;
            /** Token Endpoint */
            token_endpoint: string;
            /**
             * Scope
             * @default openid
             */
            scope: string;
            /**
             * Audience
             * @description sent as `audience` to providers that want one (Auth0, ...)
             */
            audience?: string | null;
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
         * CheckProgress
         * @description One check of a wave's analysis: how many samples, how they were judged, its verdict.
         */
        CheckProgress: {
            /**
             * Samples
             * @default 0
             */
            samples: number;
            /**
             * Failed
             * @default 0
             */
            failed: number;
            /**
             * Inconclusive
             * @default 0
             */
            inconclusive: number;
            verdict?: components["schemas"]["Verdict"] | null;
            /** Failed Clusters */
            failed_clusters?: string[];
            /** Last At */
            last_at?: string | null;
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
         * ConfigRef
         * @description A ConfigMap or Secret whose keys become environment variables.
         */
        ConfigRef: {
            /**
             * Kind
             * @enum {string}
             */
            kind: "configmap" | "secret";
            /** Name */
            name: string;
        };
        /**
         * Decision
         * @description An approval or a rejection of a release the environment's policy holds.
         * @example {
         *       "comment": "checked the canary"
         *     }
         */
        Decision: {
            /**
             * Comment
             * @default
             */
            comment: string;
        };
        /**
         * DeployedOut
         * @example {
         *       "cluster": "idc-a-1",
         *       "debug": false,
         *       "env": "prod",
         *       "idc": "idc-a",
         *       "image": "registry.example.com/shop:2.4.1",
         *       "namespace": "shop-prod",
         *       "release_id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
         *       "since": "2026-12-05T09:30:00Z"
         *     }
         */
        DeployedOut: {
            /** Env */
            env: string;
            /** Cluster */
            cluster: string;
            /** Idc */
            idc: string;
            /** Namespace */
            namespace: string;
            /**
             * Image
             * @description the version running there
             */
            image: string;
            /**
             * Debug
             * @description released in debug mode (probes and hooks off)
             */
            debug: boolean;
            /**
             * Release Id
             * Format: uuid
             * @description the release whose rollout put it there
             */
            release_id: string;
            /**
             * Since
             * @description when that rollout finished
             */
            since: string | null;
        };
        /** DeployedPage */
        DeployedPage: {
            /**
             * Items
             * @description by environment, then cluster
             */
            items: components["schemas"]["DeployedOut"][];
        };
        /**
         * DevToken
         * @example {
         *       "expires_at": "2026-12-05T09:30:00Z",
         *       "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl"
         *     }
         */
        DevToken: {
            /** Token */
            token: string;
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
        };
        /**
         * DevTokenRequest
         * @example {
         *       "roles": [
         *         "developer"
         *       ],
         *       "subject": "alice",
         *       "teams": [
         *         "commerce"
         *       ]
         *     }
         */
        DevTokenRequest: {
            /** Subject */
            subject: string;
            /** Roles */
            roles?: components["schemas"]["Role"][];
            /** Teams */
            teams?: string[];
            /**
             * Ttl S
             * @default 28800
             */
            ttl_s: number;
        };
        /**
         * DeviceFlow
         * @description Where a CLI runs the OAuth 2.0 device authorization grant (RFC 8628).
         */
        DeviceFlow: {
            /** Client Id */
            client_id: string;
            /** Device Authorization Endpoint */
            device_authorization_endpoint: string;
            /** Token Endpoint */
            token_endpoint: string;
            /**
             * Scope
             * @default openid
             */
            scope: string;
        };
        /**
         * Discovery
         * @example {
         *       "auth": {
         *         "audience": "flotilla",
         *         "browser_login": {
         *           "authorization_endpoint": "https://sso.example.com/authorize",
         *           "client_id": "flotilla-console",
         *           "scope": "openid",
         *           "token_endpoint": "https://sso.example.com/token"
         *         },
         *         "development_login": false,
         *         "device_flow": {
         *           "client_id": "flotilla-cli",
         *           "device_authorization_endpoint": "https://sso.example.com/device",
         *           "scope": "openid",
         *           "token_endpoint": "https://sso.example.com/token"
         *         },
         *         "issuer": "https://sso.example.com"
         *       },
         *       "services": {
         *         "cluster-registry": "https://registry.flotilla.example.com",
         *         "k8s-sync": "https://sync.flotilla.example.com",
         *         "monitor-gateway": "https://monitor.flotilla.example.com",
         *         "release-api": "https://flotilla.example.com"
         *       }
         *     }
         */
        Discovery: {
            /**
             * Services
             * @description service → its public base URL
             */
            services: {
                [key: string]: string;
            };
            auth: components["schemas"]["AuthInfo"];
        };
        /** EnvVar */
        EnvVar: {
            /** Name */
            name: string;
            /**
             * Value
             * @default
             */
            value: string;
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
         * Gate
         * @enum {string}
         */
        Gate: "auto" | "approval";
        /** HealthCheck */
        HealthCheck: {
            /**
             * Path
             * @default /health
             */
            path: string;
            /**
             * Port
             * @description default: the container port
             */
            port?: number | null;
            /**
             * Initial Delay S
             * @default 5
             */
            initial_delay_s: number;
            /**
             * Period S
             * @default 5
             */
            period_s: number;
            /**
             * Timeout S
             * @default 2
             */
            timeout_s: number;
            /**
             * Failure Threshold
             * @default 3
             */
            failure_threshold: number;
        };
        /**
         * IsolatedPod
         * @example {
         *       "cluster": "idc-a-1",
         *       "isolated_at": "2026-12-05T09:30:00Z",
         *       "isolated_by": "ada",
         *       "namespace": "shop-prod",
         *       "phase": "Running",
         *       "pod": "shop-7d9f-abcde"
         *     }
         */
        IsolatedPod: {
            /** Cluster */
            cluster: string;
            /** Namespace */
            namespace: string;
            /** Pod */
            pod: string;
            /** Phase */
            phase: string;
            /** Isolated At */
            isolated_at: string | null;
            /** Isolated By */
            isolated_by: string | null;
        };
        /**
         * Lifecycle
         * @description Hooks: none of the app's own unless named (see release_api.apps.podrun).
         */
        Lifecycle: {
            /**
             * Image Commands
             * @description the programs the app's image provides that its hooks run; a hook whose program is not listed is refused
             * @example [
             *       "/app/bin/warm-cache"
             *     ]
             */
            image_commands?: string[];
            /**
             * Post Start
             * @description run by the kubelet right after the container starts (exec, no shell); the pod is not Ready until it ends, and a failure restarts the container
             * @example [
             *       "/app/bin/warm-cache",
             *       "--quick"
             *     ]
             */
            post_start?: string[] | null;
            /**
             * Pre Stop
             * @description run before SIGTERM instead of the drain sleep; it gets FLOTILLA_DRAIN_SECONDS and must wait that long itself
             */
            pre_stop?: string[] | null;
            /**
             * Drain Extra S
             * @description added to the measured ingress propagation in preStop
             * @default 0
             */
            drain_extra_s: number;
        };
        /**
         * Metric
         * @enum {string}
         */
        Metric: "http_5xx_ratio" | "http_p99_latency_s" | "restarts" | "oom_kills" | "alerts_firing";
        /**
         * OnFailure
         * @enum {string}
         */
        OnFailure: "pause" | "rollback" | "continue";
        /**
         * PlanOut
         * @description The plan as resolved before the release started, and how far it got.
         */
        PlanOut: {
            /** Waves */
            waves: components["schemas"]["WaveOut"][];
            failure: components["schemas"]["FailurePolicy"];
            /**
             * Current
             * @description the wave the release is in (from 0)
             */
            current: number;
            /**
             * Held
             * @description why it does not move on now (a freeze window)
             */
            held: string | null;
            /**
             * Stopping
             * @description why it starts no more clusters (failures)
             */
            stopping: string | null;
            /** Freeze Override */
            freeze_override: string | null;
            /** @description the checks each wave is judged by */
            analysis?: components["schemas"]["AnalysisTemplate"] | null;
        };
        /**
         * ReleaseCreate
         * @example {
         *       "env": "prod",
         *       "image": "registry.example.com/shop/api:1.4.2",
         *       "options": {
         *         "timeout_s": 600
         *       },
         *       "strategy": "rolling"
         *     }
         */
        ReleaseCreate: {
            /** Image */
            image: string;
            /** Env */
            env: string;
            /** @default rolling */
            strategy: components["schemas"]["Strategy"];
            options?: components["schemas"]["ReleaseOptions"];
            /** @description the waves it walks the environment's clusters in (default: the environment's default plan, else every cluster at once) */
            plan?: components["schemas"]["ReleasePlan"] | null;
            /** @description the checks each wave is judged by while it soaks (default: the app's, else the environment's; an empty list of checks turns analysis off, custom PromQL checks are for admins) */
            analysis?: components["schemas"]["AnalysisTemplate"] | null;
        };
        /** ReleaseOptions */
        ReleaseOptions: {
            /**
             * Replicas
             * @description default: the app's replicas for the env (else 2)
             */
            replicas?: number | null;
            /**
             * Timeout S
             * @description per cluster: from apply to ingress confirmed
             * @default 600
             */
            timeout_s: number;
            /**
             * Debug
             * @description probes and lifecycle hooks off (for a CrashLoopBackOff); the next normal release turns it off again
             * @default false
             */
            debug: boolean;
            /**
             * Promote
             * @description blue-green and gray: wait for POST .../promote (manual) or go on by themselves after auto_promote_s (auto). Default: auto for blue-green, manual for gray
             */
            promote?: ("auto" | "manual") | null;
            /**
             * Auto Promote S
             * @default 0
             */
            auto_promote_s: number;
            /**
             * Scale Down Delay S
             * @description blue-green: the old colour is kept this long
             * @default 30
             */
            scale_down_delay_s: number;
            /**
             * Gray Replicas
             * @description gray: pods in gray
             */
            gray_replicas?: number | null;
            /**
             * Gray Percent
             * @description gray: pods in gray as a share of the replicas
             */
            gray_percent?: number | null;
            /**
             * Gray Weight
             * @description gray: HAProxy weight of each gray pod (stable: 100)
             */
            gray_weight?: number | null;
            /**
             * Freeze Override
             * @description admins: release through the environment's freeze windows, for this reason (audited)
             */
            freeze_override?: string | null;
        };
        /**
         * ReleaseOut
         * @example {
         *       "app": "shop",
         *       "clusters": [
         *         {
         *           "cluster": "idc-a-1",
         *           "finished_at": "2026-12-05T09:31:40Z",
         *           "idc": "idc-a",
         *           "namespace": "shop-prod",
         *           "phase": "succeeded",
         *           "progress": {
         *             "desired": 4,
         *             "ready": 4,
         *             "updated": 4
         *           },
         *           "replicas": 4,
         *           "started_at": "2026-12-05T09:30:00Z",
         *           "updated_at": "2026-12-05T09:31:40Z",
         *           "wave": 0
         *         },
         *         {
         *           "cluster": "idc-a-2",
         *           "idc": "idc-a",
         *           "namespace": "shop-prod",
         *           "phase": "waiting-ready",
         *           "progress": {
         *             "desired": 4,
         *             "ready": 2,
         *             "updated": 4
         *           },
         *           "replicas": 4,
         *           "started_at": "2026-12-05T09:30:00Z",
         *           "updated_at": "2026-12-05T09:31:40Z",
         *           "wave": 1
         *         },
         *         {
         *           "cluster": "idc-b-1",
         *           "idc": "idc-b",
         *           "namespace": "shop-prod",
         *           "phase": "waiting-ready",
         *           "progress": {
         *             "desired": 4,
         *             "ready": 2,
         *             "updated": 4
         *           },
         *           "replicas": 4,
         *           "started_at": "2026-12-05T09:30:00Z",
         *           "updated_at": "2026-12-05T09:31:40Z",
         *           "wave": 1
         *         }
         *       ],
         *       "created_at": "2026-12-05T09:30:00Z",
         *       "debug": false,
         *       "env": "prod",
         *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events",
         *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
         *       "image": "registry.example.com/shop:2.4.1",
         *       "phase": "running",
         *       "plan": {
         *         "current": 1,
         *         "failure": {
         *           "on_failure": "pause"
         *         },
         *         "waves": [
         *           {
         *             "clusters": [
         *               "idc-a-1"
         *             ],
         *             "done_at": "2026-12-05T09:31:40Z",
         *             "gate": "auto",
         *             "max_parallel": 1,
         *             "name": "canary",
         *             "soak_s": 300,
         *             "soak_until": "2026-12-05T09:36:40Z",
         *             "started_at": "2026-12-05T09:30:00Z",
         *             "state": "succeeded"
         *           },
         *           {
         *             "clusters": [
         *               "idc-a-2",
         *               "idc-b-1"
         *             ],
         *             "gate": "auto",
         *             "max_parallel": 2,
         *             "name": "rest",
         *             "soak_s": 0,
         *             "started_at": "2026-12-05T09:36:41Z",
         *             "state": "running"
         *           }
         *         ]
         *       },
         *       "requested_by": "ada",
         *       "strategy": "rolling"
         *     }
         */
        ReleaseOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** App */
            app: string;
            /** Env */
            env: string;
            /** Image */
            image: string;
            strategy: components["schemas"]["Strategy"];
            phase: components["schemas"]["ReleasePhase"];
            /** Debug */
            debug: boolean;
            /** Rollback Of */
            rollback_of: string | null;
            /** Requested By */
            requested_by: string;
            /** @description set when the environment's policy held the release for approval */
            approval?: components["schemas"]["ApprovalOut"] | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Finished At */
            finished_at: string | null;
            plan: components["schemas"]["PlanOut"];
            /** Clusters */
            clusters: components["schemas"]["RolloutOut"][];
            /**
             * Follow
             * @description Server-Sent Events of this release's progress
             */
            follow: string;
        };
        /** ReleasePage */
        ReleasePage: {
            /** Items */
            items: components["schemas"]["ReleaseOut"][];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /**
         * ReleasePhase
         * @description Lifecycle of a release over all its clusters.
         * @enum {string}
         */
        ReleasePhase: "pending" | "waiting-approval" | "running" | "paused" | "succeeded" | "partially-failed" | "failed" | "aborted" | "rolled-back";
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
        /** ResourceAmounts */
        ResourceAmounts: {
            /**
             * Cpu
             * @description Kubernetes CPU quantity
             * @example 500m
             */
            cpu?: string | null;
            /**
             * Memory
             * @description Kubernetes memory quantity
             * @example 512Mi
             */
            memory?: string | null;
        };
        /** Resources */
        Resources: {
            requests?: components["schemas"]["ResourceAmounts"];
            limits?: components["schemas"]["ResourceAmounts"];
        };
        /**
         * Role
         * @description Roles carried in a user's token, weakest first.
         * @enum {string}
         */
        Role: "viewer" | "developer" | "admin";
        /** RolloutOut */
        RolloutOut: {
            /** Cluster */
            cluster: string;
            /** Idc */
            idc: string;
            /** Namespace */
            namespace: string;
            /**
             * Wave
             * @description the wave of the plan it belongs to (from 0)
             */
            wave: number;
            phase: components["schemas"]["RolloutPhase"];
            /** Replicas */
            replicas: number;
            /** Progress */
            progress: {
                [key: string]: unknown;
            };
            /** Error */
            error: string | null;
            /**
             * Started At
             * @description when its wave started it
             */
            started_at: string | null;
            /**
             * Finished At
             * @description when it reached its last phase
             */
            finished_at: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /**
         * RolloutPhase
         * @description Lifecycle of one cluster's rollout of a release; each cluster moves on its own.
         * @enum {string}
         */
        RolloutPhase: "pending" | "applying" | "waiting-ready" | "waiting-promote" | "waiting-ingress" | "succeeded" | "failed" | "aborted" | "rolled-back";
        /** SampleOut */
        SampleOut: {
            /** Wave */
            wave: number;
            /**
             * Canary
             * @description the cluster whose gray step it judged; empty: the wave's
             */
            canary: string;
            /** Check */
            check: string;
            /**
             * Sample
             * @description its number within the check, from 1
             */
            sample: number;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /**
             * Values
             * @description per cluster; null: no data
             */
            values: {
                [key: string]: number | null;
            };
            /**
             * Verdicts
             * @description per cluster
             */
            verdicts: {
                [key: string]: components["schemas"]["Verdict"];
            };
            /** Wave Value */
            wave_value: number | null;
            /** @description the wave as a whole */
            wave_verdict: components["schemas"]["Verdict"] | null;
            /** @description the sample as a whole */
            verdict: components["schemas"]["Verdict"];
            /**
             * Error
             * @description why it could not be measured (inconclusive)
             */
            error: string | null;
        };
        /**
         * ScaleOut
         * @example {
         *       "app": "shop",
         *       "clusters": {
         *         "idc-a-1": "ok",
         *         "idc-b-1": "ok"
         *       },
         *       "env": "prod",
         *       "replicas": 4
         *     }
         */
        ScaleOut: {
            /** App */
            app: string;
            /** Env */
            env: string;
            /** Replicas */
            replicas: number;
            /**
             * Clusters
             * @description cluster → ok, or the error
             */
            clusters: {
                [key: string]: string;
            };
        };
        /**
         * ScaleRequest
         * @example {
         *       "replicas": 6
         *     }
         * @example {
         *       "replicas": 0
         *     }
         */
        ScaleRequest: {
            /** Replicas */
            replicas: number;
            /**
             * Cluster
             * @description one cluster of the env; default: all
             */
            cluster?: string | null;
        };
        /**
         * Security
         * @description How the app's containers run (Pod Security "restricted" unless said otherwise).
         */
        Security: {
            /**
             * Run As Root
             * @description the image must run as root (the pod is then Pod Security baseline)
             * @default false
             */
            run_as_root: boolean;
            /**
             * Reason
             * @description why, required with run_as_root
             */
            reason?: string | null;
        };
        /** Sidecar */
        Sidecar: {
            /** Name */
            name: string;
            /** Image */
            image: string;
            /**
             * Order
             * @description start order: lower starts first
             * @default 0
             */
            order: number;
            /** Ports */
            ports?: number[];
            /** Env */
            env?: components["schemas"]["EnvVar"][];
            resources?: components["schemas"]["Resources"];
        };
        /**
         * Strategy
         * @description How a release replaces the running version in each cluster.
         * @enum {string}
         */
        Strategy: "rolling" | "blue-green" | "gray";
        /**
         * Verdict
         * @enum {string}
         */
        Verdict: "passed" | "failed" | "inconclusive";
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
         * WaveAnalysis
         * @description A wave's analysis (release_api.analysis): running until every check has a verdict.
         */
        WaveAnalysis: {
            state?: components["schemas"]["Verdict"] | null;
            /**
             * Started At
             * Format: date-time
             */
            started_at: string;
            /** Concluded At */
            concluded_at?: string | null;
            /** Checks */
            checks?: {
                [key: string]: components["schemas"]["CheckProgress"];
            };
            /** Reason */
            reason?: string | null;
            /** Put Back */
            put_back?: string[];
        };
        /** WaveOut */
        WaveOut: {
            /** Name */
            name: string;
            /** Clusters */
            clusters: string[];
            /** Max Parallel */
            max_parallel: number;
            /** Soak S */
            soak_s: number;
            gate: components["schemas"]["Gate"];
            state: components["schemas"]["WaveState"];
            /** Started At */
            started_at: string | null;
            /**
             * Done At
             * @description every cluster of it done
             */
            done_at: string | null;
            /** Soak Until */
            soak_until: string | null;
            /** @description its gate's approval or rejection */
            decision: components["schemas"]["ApprovalOut"] | null;
            /** @description how its metrics were judged while it soaked (samples: …/analysis) */
            analysis?: components["schemas"]["WaveAnalysis"] | null;
        };
        /**
         * WaveState
         * @enum {string}
         */
        WaveState: "pending" | "running" | "soaking" | "waiting-approval" | "succeeded" | "stopped";
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
    listApps: {
        parameters: {
            query?: {
                /** @description only this team's apps */
                team?: string | null;
                /** @description list archived apps instead */
                archived?: boolean;
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
                     *           "name": "shop",
                     *           "team": "commerce",
                     *           "type": "python",
                     *           "spec": {
                     *             "app_yaml": {
                     *               "stack": "youzanyun-centos6",
                     *               "runtime": "python-2.7",
                     *               "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application"
                     *             },
                     *             "port": 8000,
                     *             "resources": {
                     *               "requests": {
                     *                 "cpu": "250m",
                     *                 "memory": "256Mi"
                     *               },
                     *               "limits": {
                     *                 "cpu": "1",
                     *                 "memory": "512Mi"
                     *               }
                     *             },
                     *             "replicas": {
                     *               "prod": 4,
                     *               "test": 1
                     *             },
                     *             "health_check": {
                     *               "path": "/health",
                     *               "port": null,
                     *               "initial_delay_s": 5,
                     *               "period_s": 5,
                     *               "timeout_s": 2,
                     *               "failure_threshold": 3
                     *             },
                     *             "lifecycle": {
                     *               "image_commands": [],
                     *               "post_start": null,
                     *               "pre_stop": null,
                     *               "drain_extra_s": 0
                     *             },
                     *             "security": {
                     *               "run_as_root": false,
                     *               "reason": null
                     *             },
                     *             "sidecars": [],
                     *             "env": [],
                     *             "config_refs": [],
                     *             "pod_annotations": {},
                     *             "hosts": {
                     *               "prod": [
                     *                 "shop.example.com"
                     *               ]
                     *             },
                     *             "analysis": null
                     *           },
                     *           "version": 1,
                     *           "archived": false,
                     *           "created_at": "2026-12-05T09:30:00Z",
                     *           "updated_at": "2026-12-05T09:30:00Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["AppPage"];
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
    createApp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AppCreate"];
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
                     *       "name": "shop",
                     *       "team": "commerce",
                     *       "type": "python",
                     *       "spec": {
                     *         "app_yaml": {
                     *           "stack": "youzanyun-centos6",
                     *           "runtime": "python-2.7",
                     *           "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application"
                     *         },
                     *         "port": 8000,
                     *         "resources": {
                     *           "requests": {
                     *             "cpu": "250m",
                     *             "memory": "256Mi"
                     *           },
                     *           "limits": {
                     *             "cpu": "1",
                     *             "memory": "512Mi"
                     *           }
                     *         },
                     *         "replicas": {
                     *           "prod": 4,
                     *           "test": 1
                     *         },
                     *         "health_check": {
                     *           "path": "/health",
                     *           "port": null,
                     *           "initial_delay_s": 5,
                     *           "period_s": 5,
                     *           "timeout_s": 2,
                     *           "failure_threshold": 3
                     *         },
                     *         "lifecycle": {
                     *           "image_commands": [],
                     *           "post_start": null,
                     *           "pre_stop": null,
                     *           "drain_extra_s": 0
                     *         },
                     *         "security": {
                     *           "run_as_root": false,
                     *           "reason": null
                     *         },
                     *         "sidecars": [],
                     *         "env": [],
                     *         "config_refs": [],
                     *         "pod_annotations": {},
                     *         "hosts": {
                     *           "prod": [
                     *             "shop.example.com"
                     *           ]
                     *         },
                     *         "analysis": null
                     *       },
                     *       "version": 1,
                     *       "archived": false,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["AppOut"];
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
    getApp: {
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
                     *       "name": "shop",
                     *       "team": "commerce",
                     *       "type": "python",
                     *       "spec": {
                     *         "app_yaml": {
                     *           "stack": "youzanyun-centos6",
                     *           "runtime": "python-2.7",
                     *           "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application"
                     *         },
                     *         "port": 8000,
                     *         "resources": {
                     *           "requests": {
                     *             "cpu": "250m",
                     *             "memory": "256Mi"
                     *           },
                     *           "limits": {
                     *             "cpu": "1",
                     *             "memory": "512Mi"
                     *           }
                     *         },
                     *         "replicas": {
                     *           "prod": 4,
                     *           "test": 1
                     *         },
                     *         "health_check": {
                     *           "path": "/health",
                     *           "port": null,
                     *           "initial_delay_s": 5,
                     *           "period_s": 5,
                     *           "timeout_s": 2,
                     *           "failure_threshold": 3
                     *         },
                     *         "lifecycle": {
                     *           "image_commands": [],
                     *           "post_start": null,
                     *           "pre_stop": null,
                     *           "drain_extra_s": 0
                     *         },
                     *         "security": {
                     *           "run_as_root": false,
                     *           "reason": null
                     *         },
                     *         "sidecars": [],
                     *         "env": [],
                     *         "config_refs": [],
                     *         "pod_annotations": {},
                     *         "hosts": {
                     *           "prod": [
                     *             "shop.example.com"
                     *           ]
                     *         },
                     *         "analysis": null
                     *       },
                     *       "version": 1,
                     *       "archived": false,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["AppOut"];
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
    archiveApp: {
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
                     *       "name": "shop",
                     *       "team": "commerce",
                     *       "type": "python",
                     *       "spec": {
                     *         "app_yaml": {
                     *           "stack": "youzanyun-centos6",
                     *           "runtime": "python-2.7",
                     *           "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application"
                     *         },
                     *         "port": 8000,
                     *         "resources": {
                     *           "requests": {
                     *             "cpu": "250m",
                     *             "memory": "256Mi"
                     *           },
                     *           "limits": {
                     *             "cpu": "1",
                     *             "memory": "512Mi"
                     *           }
                     *         },
                     *         "replicas": {
                     *           "prod": 4,
                     *           "test": 1
                     *         },
                     *         "health_check": {
                     *           "path": "/health",
                     *           "port": null,
                     *           "initial_delay_s": 5,
                     *           "period_s": 5,
                     *           "timeout_s": 2,
                     *           "failure_threshold": 3
                     *         },
                     *         "lifecycle": {
                     *           "image_commands": [],
                     *           "post_start": null,
                     *           "pre_stop": null,
                     *           "drain_extra_s": 0
                     *         },
                     *         "security": {
                     *           "run_as_root": false,
                     *           "reason": null
                     *         },
                     *         "sidecars": [],
                     *         "env": [],
                     *         "config_refs": [],
                     *         "pod_annotations": {},
                     *         "hosts": {
                     *           "prod": [
                     *             "shop.example.com"
                     *           ]
                     *         },
                     *         "analysis": null
                     *       },
                     *       "version": 1,
                     *       "archived": false,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["AppOut"];
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
    updateApp: {
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
                "application/json": components["schemas"]["AppUpdate"];
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
                     *       "name": "shop",
                     *       "team": "commerce",
                     *       "type": "python",
                     *       "spec": {
                     *         "app_yaml": {
                     *           "stack": "youzanyun-centos6",
                     *           "runtime": "python-2.7",
                     *           "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application"
                     *         },
                     *         "port": 8000,
                     *         "resources": {
                     *           "requests": {
                     *             "cpu": "250m",
                     *             "memory": "256Mi"
                     *           },
                     *           "limits": {
                     *             "cpu": "1",
                     *             "memory": "512Mi"
                     *           }
                     *         },
                     *         "replicas": {
                     *           "prod": 4,
                     *           "test": 1
                     *         },
                     *         "health_check": {
                     *           "path": "/health",
                     *           "port": null,
                     *           "initial_delay_s": 5,
                     *           "period_s": 5,
                     *           "timeout_s": 2,
                     *           "failure_threshold": 3
                     *         },
                     *         "lifecycle": {
                     *           "image_commands": [],
                     *           "post_start": null,
                     *           "pre_stop": null,
                     *           "drain_extra_s": 0
                     *         },
                     *         "security": {
                     *           "run_as_root": false,
                     *           "reason": null
                     *         },
                     *         "sidecars": [],
                     *         "env": [],
                     *         "config_refs": [],
                     *         "pod_annotations": {},
                     *         "hosts": {
                     *           "prod": [
                     *             "shop.example.com"
                     *           ]
                     *         },
                     *         "analysis": null
                     *       },
                     *       "version": 1,
                     *       "archived": false,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "updated_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["AppOut"];
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
    scaleApp: {
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
                "application/json": components["schemas"]["ScaleRequest"];
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
                     *       "replicas": 4,
                     *       "clusters": {
                     *         "idc-a-1": "ok",
                     *         "idc-b-1": "ok"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ScaleOut"];
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
    previewManifests: {
        parameters: {
            query: {
                /** @description A DNS label */
                env: string;
                /** @description A DNS label */
                cluster: string;
                /** @description default: the image released last */
                image?: string | null;
                /** @description render as debug mode would */
                debug?: boolean;
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
    listReleases: {
        parameters: {
            query?: {
                /** @description A DNS label */
                env?: string | null;
                /** @description at most this many per page */
                limit?: number;
                /** @description a next_cursor */
                cursor?: number | null;
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
                     *           "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *           "app": "shop",
                     *           "env": "prod",
                     *           "image": "registry.example.com/shop:2.4.1",
                     *           "strategy": "rolling",
                     *           "phase": "running",
                     *           "debug": false,
                     *           "rollback_of": null,
                     *           "requested_by": "ada",
                     *           "approval": null,
                     *           "created_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "plan": {
                     *             "waves": [
                     *               {
                     *                 "name": "canary",
                     *                 "clusters": [
                     *                   "idc-a-1"
                     *                 ],
                     *                 "max_parallel": 1,
                     *                 "soak_s": 300,
                     *                 "gate": "auto",
                     *                 "state": "succeeded",
                     *                 "started_at": "2026-12-05T09:30:00Z",
                     *                 "done_at": "2026-12-05T09:31:40Z",
                     *                 "soak_until": "2026-12-05T09:36:40Z",
                     *                 "decision": null
                     *               },
                     *               {
                     *                 "name": "rest",
                     *                 "clusters": [
                     *                   "idc-a-2",
                     *                   "idc-b-1"
                     *                 ],
                     *                 "max_parallel": 2,
                     *                 "soak_s": 0,
                     *                 "gate": "auto",
                     *                 "state": "running",
                     *                 "started_at": "2026-12-05T09:36:41Z",
                     *                 "done_at": null,
                     *                 "soak_until": null,
                     *                 "decision": null
                     *               }
                     *             ],
                     *             "failure": {
                     *               "on_failure": "pause"
                     *             },
                     *             "current": 1,
                     *             "held": null,
                     *             "stopping": null,
                     *             "freeze_override": null
                     *           },
                     *           "clusters": [
                     *             {
                     *               "cluster": "idc-a-1",
                     *               "idc": "idc-a",
                     *               "namespace": "shop-prod",
                     *               "wave": 0,
                     *               "phase": "succeeded",
                     *               "replicas": 4,
                     *               "progress": {
                     *                 "desired": 4,
                     *                 "updated": 4,
                     *                 "ready": 4
                     *               },
                     *               "error": null,
                     *               "started_at": "2026-12-05T09:30:00Z",
                     *               "finished_at": "2026-12-05T09:31:40Z",
                     *               "updated_at": "2026-12-05T09:31:40Z"
                     *             },
                     *             {
                     *               "cluster": "idc-a-2",
                     *               "idc": "idc-a",
                     *               "namespace": "shop-prod",
                     *               "wave": 1,
                     *               "phase": "waiting-ready",
                     *               "replicas": 4,
                     *               "progress": {
                     *                 "desired": 4,
                     *                 "updated": 4,
                     *                 "ready": 2
                     *               },
                     *               "error": null,
                     *               "started_at": "2026-12-05T09:30:00Z",
                     *               "finished_at": null,
                     *               "updated_at": "2026-12-05T09:31:40Z"
                     *             },
                     *             {
                     *               "cluster": "idc-b-1",
                     *               "idc": "idc-b",
                     *               "namespace": "shop-prod",
                     *               "wave": 1,
                     *               "phase": "waiting-ready",
                     *               "replicas": 4,
                     *               "progress": {
                     *                 "desired": 4,
                     *                 "updated": 4,
                     *                 "ready": 2
                     *               },
                     *               "error": null,
                     *               "started_at": "2026-12-05T09:30:00Z",
                     *               "finished_at": null,
                     *               "updated_at": "2026-12-05T09:31:40Z"
                     *             }
                     *           ],
                     *           "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ReleasePage"];
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
    createRelease: {
        parameters: {
            query?: never;
            header?: {
                /** @description retrying with the same key returns the same release */
                "idempotency-key"?: string | null;
            };
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReleaseCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    /** @description the path of the resource the request created or started */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    getRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    getReleaseAnalysis: {
        parameters: {
            query?: {
                /** @description only this wave's */
                wave?: number | null;
            };
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "release_id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "samples": [
                     *         {
                     *           "wave": 0,
                     *           "canary": "",
                     *           "check": "errors",
                     *           "sample": 1,
                     *           "at": "2026-12-05T09:30:00Z",
                     *           "values": {
                     *             "idc-a-1": 0.002
                     *           },
                     *           "verdicts": {
                     *             "idc-a-1": "passed"
                     *           },
                     *           "wave_value": 0.002,
                     *           "wave_verdict": "passed",
                     *           "verdict": "passed",
                     *           "error": null
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["AnalysisOut"];
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
    followRelease: {
        parameters: {
            query?: never;
            header?: {
                /** @description resume after this event (SSE reconnection) */
                "last-event-id"?: string | null;
            };
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
            /** @description This replica serves FOLLOW_MAX streams already; retry */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    rollbackToRelease: {
        parameters: {
            query?: never;
            header?: {
                /** @description retrying with the same key returns the same release */
                "idempotency-key"?: string | null;
            };
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    /** @description the path of the resource the request created or started */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    promoteRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    pauseRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    resumeRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    abortRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    skipSoakRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    fleetRollbackRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    approveRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Decision"];
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    rejectRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description the release's id (a UUID) */
                release_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Decision"];
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
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    restartApp: {
        parameters: {
            query?: never;
            header?: {
                /** @description retrying with the same key returns the same release */
                "idempotency-key"?: string | null;
            };
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
            202: {
                headers: {
                    /** @description the path of the resource the request created or started */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *       "app": "shop",
                     *       "env": "prod",
                     *       "image": "registry.example.com/shop:2.4.1",
                     *       "strategy": "rolling",
                     *       "phase": "running",
                     *       "debug": false,
                     *       "rollback_of": null,
                     *       "requested_by": "ada",
                     *       "approval": null,
                     *       "created_at": "2026-12-05T09:30:00Z",
                     *       "finished_at": null,
                     *       "plan": {
                     *         "waves": [
                     *           {
                     *             "name": "canary",
                     *             "clusters": [
                     *               "idc-a-1"
                     *             ],
                     *             "max_parallel": 1,
                     *             "soak_s": 300,
                     *             "gate": "auto",
                     *             "state": "succeeded",
                     *             "started_at": "2026-12-05T09:30:00Z",
                     *             "done_at": "2026-12-05T09:31:40Z",
                     *             "soak_until": "2026-12-05T09:36:40Z",
                     *             "decision": null
                     *           },
                     *           {
                     *             "name": "rest",
                     *             "clusters": [
                     *               "idc-a-2",
                     *               "idc-b-1"
                     *             ],
                     *             "max_parallel": 2,
                     *             "soak_s": 0,
                     *             "gate": "auto",
                     *             "state": "running",
                     *             "started_at": "2026-12-05T09:36:41Z",
                     *             "done_at": null,
                     *             "soak_until": null,
                     *             "decision": null
                     *           }
                     *         ],
                     *         "failure": {
                     *           "on_failure": "pause"
                     *         },
                     *         "current": 1,
                     *         "held": null,
                     *         "stopping": null,
                     *         "freeze_override": null
                     *       },
                     *       "clusters": [
                     *         {
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 0,
                     *           "phase": "succeeded",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 4
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": "2026-12-05T09:31:40Z",
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-a-2",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         },
                     *         {
                     *           "cluster": "idc-b-1",
                     *           "idc": "idc-b",
                     *           "namespace": "shop-prod",
                     *           "wave": 1,
                     *           "phase": "waiting-ready",
                     *           "replicas": 4,
                     *           "progress": {
                     *             "desired": 4,
                     *             "updated": 4,
                     *             "ready": 2
                     *           },
                     *           "error": null,
                     *           "started_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "updated_at": "2026-12-05T09:31:40Z"
                     *         }
                     *       ],
                     *       "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *     }
                     */
                    "application/json": components["schemas"]["ReleaseOut"];
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
    listFleetReleases: {
        parameters: {
            query?: {
                /** @description only releases not finished */
                active?: boolean;
                /** @description A DNS label */
                env?: string | null;
                /** @description at most this many per page */
                limit?: number;
                /** @description a next_cursor */
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
                     *           "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *           "app": "shop",
                     *           "env": "prod",
                     *           "image": "registry.example.com/shop:2.4.1",
                     *           "strategy": "rolling",
                     *           "phase": "running",
                     *           "debug": false,
                     *           "rollback_of": null,
                     *           "requested_by": "ada",
                     *           "approval": null,
                     *           "created_at": "2026-12-05T09:30:00Z",
                     *           "finished_at": null,
                     *           "plan": {
                     *             "waves": [
                     *               {
                     *                 "name": "canary",
                     *                 "clusters": [
                     *                   "idc-a-1"
                     *                 ],
                     *                 "max_parallel": 1,
                     *                 "soak_s": 300,
                     *                 "gate": "auto",
                     *                 "state": "succeeded",
                     *                 "started_at": "2026-12-05T09:30:00Z",
                     *                 "done_at": "2026-12-05T09:31:40Z",
                     *                 "soak_until": "2026-12-05T09:36:40Z",
                     *                 "decision": null
                     *               },
                     *               {
                     *                 "name": "rest",
                     *                 "clusters": [
                     *                   "idc-a-2",
                     *                   "idc-b-1"
                     *                 ],
                     *                 "max_parallel": 2,
                     *                 "soak_s": 0,
                     *                 "gate": "auto",
                     *                 "state": "running",
                     *                 "started_at": "2026-12-05T09:36:41Z",
                     *                 "done_at": null,
                     *                 "soak_until": null,
                     *                 "decision": null
                     *               }
                     *             ],
                     *             "failure": {
                     *               "on_failure": "pause"
                     *             },
                     *             "current": 1,
                     *             "held": null,
                     *             "stopping": null,
                     *             "freeze_override": null
                     *           },
                     *           "clusters": [
                     *             {
                     *               "cluster": "idc-a-1",
                     *               "idc": "idc-a",
                     *               "namespace": "shop-prod",
                     *               "wave": 0,
                     *               "phase": "succeeded",
                     *               "replicas": 4,
                     *               "progress": {
                     *                 "desired": 4,
                     *                 "updated": 4,
                     *                 "ready": 4
                     *               },
                     *               "error": null,
                     *               "started_at": "2026-12-05T09:30:00Z",
                     *               "finished_at": "2026-12-05T09:31:40Z",
                     *               "updated_at": "2026-12-05T09:31:40Z"
                     *             },
                     *             {
                     *               "cluster": "idc-a-2",
                     *               "idc": "idc-a",
                     *               "namespace": "shop-prod",
                     *               "wave": 1,
                     *               "phase": "waiting-ready",
                     *               "replicas": 4,
                     *               "progress": {
                     *                 "desired": 4,
                     *                 "updated": 4,
                     *                 "ready": 2
                     *               },
                     *               "error": null,
                     *               "started_at": "2026-12-05T09:30:00Z",
                     *               "finished_at": null,
                     *               "updated_at": "2026-12-05T09:31:40Z"
                     *             },
                     *             {
                     *               "cluster": "idc-b-1",
                     *               "idc": "idc-b",
                     *               "namespace": "shop-prod",
                     *               "wave": 1,
                     *               "phase": "waiting-ready",
                     *               "replicas": 4,
                     *               "progress": {
                     *                 "desired": 4,
                     *                 "updated": 4,
                     *                 "ready": 2
                     *               },
                     *               "error": null,
                     *               "started_at": "2026-12-05T09:30:00Z",
                     *               "finished_at": null,
                     *               "updated_at": "2026-12-05T09:31:40Z"
                     *             }
                     *           ],
                     *           "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ReleasePage"];
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
    listDeployedVersions: {
        parameters: {
            query?: {
                /** @description A DNS label */
                env?: string | null;
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
                     *           "env": "prod",
                     *           "cluster": "idc-a-1",
                     *           "idc": "idc-a",
                     *           "namespace": "shop-prod",
                     *           "image": "registry.example.com/shop:2.4.1",
                     *           "debug": false,
                     *           "release_id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                     *           "since": "2026-12-05T09:30:00Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["DeployedPage"];
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
    isolatePod: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                env: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                cluster: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                pod: string;
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
                     *       "namespace": "shop-prod",
                     *       "pod": "shop-7d9f-abcde",
                     *       "phase": "Running",
                     *       "isolated_at": "2026-12-05T09:30:00Z",
                     *       "isolated_by": "ada"
                     *     }
                     */
                    "application/json": components["schemas"]["IsolatedPod"];
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
    listIsolatedPods: {
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
                     * @example [
                     *       {
                     *         "cluster": "idc-a-1",
                     *         "namespace": "shop-prod",
                     *         "pod": "shop-7d9f-abcde",
                     *         "phase": "Running",
                     *         "isolated_at": "2026-12-05T09:30:00Z",
                     *         "isolated_by": "ada"
                     *       }
                     *     ]
                     */
                    "application/json": components["schemas"]["IsolatedPod"][];
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
    deleteIsolatedPod: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                app: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                env: string;
                /** @description A DNS label: a-z, 0-9 and '-', at most 63 characters */
                cluster: string;
                /** @description A Kubernetes object name (RFC 1123 subdomain) */
                pod: string;
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
    discover: {
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
                     * @example {
                     *       "services": {
                     *         "release-api": "https://flotilla.example.com",
                     *         "cluster-registry": "https://registry.flotilla.example.com",
                     *         "k8s-sync": "https://sync.flotilla.example.com",
                     *         "monitor-gateway": "https://monitor.flotilla.example.com"
                     *       },
                     *       "auth": {
                     *         "issuer": "https://sso.example.com",
                     *         "audience": "flotilla",
                     *         "development_login": false,
                     *         "device_flow": {
                     *           "client_id": "flotilla-cli",
                     *           "device_authorization_endpoint": "https://sso.example.com/device",
                     *           "token_endpoint": "https://sso.example.com/token",
                     *           "scope": "openid"
                     *         },
                     *         "browser_login": {
                     *           "client_id": "flotilla-console",
                     *           "authorization_endpoint": "https://sso.example.com/authorize",
                     *           "token_endpoint": "https://sso.example.com/token",
                     *           "scope": "openid",
                     *           "audience": null
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Discovery"];
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
    developmentLogin: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DevTokenRequest"];
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
                     *       "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl",
                     *       "expires_at": "2026-12-05T09:30:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["DevToken"];
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
