"""Prometheus (Debian's package) as a child process scraping kubesim's clusters.

One scrape job per simulated cluster, its series labelled `cluster="<name>"` — the way a
federation or a per-cluster agent labels them in production — so monitor-gateway can select a
cluster. kubesim serves kube-state-metrics and cAdvisor series on `/metrics` over HTTPS.

The platform's own services are scraped too (job `flotilla`, label `service`): k8s-sync's
`flotilla_ingress_http_*` series are what automated analysis judges a version by. Their targets
are a file (`targets/services.json`, file-based discovery) the stack rewrites as it starts
processes, so a replica on a port picked later is scraped without restarting Prometheus.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml

from flotilla_devstack.kubesim import SimulatedCluster
from flotilla_devstack.procs import ManagedProcess, StartError, free_port


class PrometheusProcess:
    def __init__(
        self,
        directory: Path,
        clusters: dict[str, SimulatedCluster],
        *,
        port: int | None = None,
        scrape_interval_s: float = 1.0,
    ) -> None:
        self.directory = directory
        self.clusters = clusters
        self.port = port or free_port()
        self.scrape_interval_s = scrape_interval_s
        self._proc: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def config(self) -> dict[str, object]:
        interval = f"{int(self.scrape_interval_s * 1000)}ms"
        return {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "scrape_configs": [
                {
                    "job_name": f"kubesim-{name}",
                    "scheme": "https",
                    "metrics_path": "/metrics",
                    "tls_config": {"ca_file": str(cluster.ca_file)},
                    "static_configs": [
                        {"targets": [urlsplit(cluster.url).netloc], "labels": {"cluster": name}}
                    ],
                }
                for name, cluster in sorted(self.clusters.items())
            ]
            + [
                {
                    "job_name": "flotilla",
                    "metrics_path": "/metrics",
                    "file_sd_configs": [
                        {"files": [str(self.targets_dir / "*.json")], "refresh_interval": "2s"}
                    ],
                }
            ],
        }

    @property
    def targets_dir(self) -> Path:
        return self.directory / "targets"

    def scrape_services(self, services: dict[str, str]) -> None:
        """Scrape these services (name → `host:port`) from now on (replaces the previous set)."""
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        groups = [
            {"targets": [address], "labels": {"service": name}}
            for name, address in sorted(services.items())
        ]
        tmp = self.targets_dir / "services.json.tmp"
        tmp.write_text(json.dumps(groups))
        tmp.replace(self.targets_dir / "services.json")  # a glob of *.json: never half-read

    def start(self, timeout: float = 30.0) -> None:
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        if not Path(binary).exists():
            raise StartError("Prometheus is not installed (apt-get install prometheus)")
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "prometheus.yml"
        config.write_text(yaml.safe_dump(self.config()))
        self._proc = ManagedProcess(
            "prometheus",
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=1d",
                "--log.level=warn",
            ],
            log_path=self.directory / "prometheus.log",
        )
        self._proc.start()
        self._proc.wait_until(self._ready, timeout, "Prometheus /-/ready")

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop(timeout=10)
            self._proc = None
