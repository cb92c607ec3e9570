"""The PromQL an app's metric becomes (pure): the ingress's answers are per cluster, from
k8s-sync's counter, with every selector a quoted label value."""

from __future__ import annotations

import pytest

from monitor_gateway.metrics.promql import InvalidSelector, Metric, Selector, build


def test_requests_and_errors_come_from_the_ingress_per_cluster() -> None:
    sel = Selector(app="shop", env="prod", cluster="idc-a-1")
    requests = build(Metric.HTTP_REQUESTS, sel, window_s=20)
    assert requests == (
        "sum by (cluster) (rate(flotilla_ingress_http_responses_total"
        '{app="shop", env="prod", cluster="idc-a-1"}[20s]))'
    )
    errors = build(Metric.HTTP_5XX, Selector(app="shop"), window_s=10)
    assert errors == (
        "sum by (cluster) (rate(flotilla_ingress_http_responses_total"
        '{app="shop", code="5xx"}[10s]))'
    )


def test_the_ingress_does_not_count_per_pod() -> None:
    with pytest.raises(InvalidSelector, match="per cluster"):
        build(Metric.HTTP_REQUESTS, Selector(app="shop", pod="shop-1"), window_s=10)


def test_every_metric_has_a_query_and_a_unit() -> None:
    from monitor_gateway.metrics.promql import UNITS

    for metric in Metric:
        assert metric in UNITS
        assert 'label_flotilla_io_app="shop"' in build(
            metric, Selector(app="shop"), window_s=10
        ) or 'app="shop"' in build(metric, Selector(app="shop"), window_s=10)
