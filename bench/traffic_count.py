"""Traffic counting: what k8s-sync pays per request the ingress logs (k8s_sync.ingress.traffic).

Every request through HAProxy becomes one log line that the leader of k8s-sync parses,
attributes to an endpoint and counts in two Prometheus series. This measures that work in one
process, on synthetic lines over 200 backends × 20 endpoints, against a baseline measured in
the same run: the same lines only split (what any reader of the log must do at least).

Keys: `lines_per_s` (counted), `baseline_lines_per_s` (split only), `us_per_line`,
`cpu_share_at_10k_rps` (one core's share to count 10,000 requests/s), `lines`.
Usage: uv run python bench/traffic_count.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import time

from _stack import report

from k8s_sync.ingress.traffic import TrafficCounter

BACKENDS = 200
ENDPOINTS = 20


def main(quick: bool) -> None:
    count = 200_000 if quick else 1_000_000
    rng = random.Random(17)
    table = {
        f"app{b}.prod": [(f"10.{b}.0.{e}", 8080, f"c{e % 4}", "stable") for e in range(ENDPOINTS)]
        for b in range(BACKENDS)
    }
    lines = []
    for _ in range(10_000):
        b = rng.randrange(BACKENDS)
        e = rng.randrange(ENDPOINTS)
        status = "500" if rng.random() < 0.01 else "200"
        lines.append(f"app{b}.prod 10.{b}.0.{e} 8080 {status} {rng.randrange(1, 300)}")
    counter = TrafficCounter(lambda backend: table.get(backend, []))
    rounds = count // len(lines)

    started = time.process_time()
    for _ in range(rounds):
        for line in lines:
            line.split()
    baseline = time.process_time() - started

    started = time.process_time()
    for _ in range(rounds):
        for line in lines:
            counter.line(line)
    spent = time.process_time() - started
    total = rounds * len(lines)
    report(
        {
            "benchmark": "traffic_count",
            "quick": quick,
            "lines": total,
            "lines_per_s": round(total / spent),
            "baseline_lines_per_s": round(total / baseline),
            "us_per_line": round(spent / total * 1e6, 2),
            "cpu_share_at_10k_rps": round(spent / total * 10_000, 3),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
