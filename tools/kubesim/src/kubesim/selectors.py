"""Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and field selectors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!":
            return self.key not in labels
        if self.op in ("=", "in"):
            return labels.get(self.key) in self.values
        # "!=" and "notin" also match objects without the key, as Kubernetes does
        return labels.get(self.key) not in self.values


_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET_RE = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_RE = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)\s*$")
_EXISTS_RE = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_label_selector(text: str | None) -> list[Requirement]:
    if not text:
        return []
    reqs = []
    for part in _split_top(text):
        if m := _SET_RE.match(part):
            values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
            reqs.append(Requirement(m.group(1), m.group(3), values))
        elif m := _EQ_RE.match(part):
            op = "!=" if m.group(3) == "!=" else "="
            reqs.append(Requirement(m.group(1), op, frozenset({m.group(4)})))
        elif m := _EXISTS_RE.match(part):
            reqs.append(Requirement(m.group(2), "!" if m.group(1) else "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
    return reqs


def selector_from_match(selector: Mapping[str, Any] | None) -> list[Requirement]:
    """A LabelSelector object (`matchLabels`, `matchExpressions`) as requirements."""
    if not selector:
        return []
    reqs = [
        Requirement(k, "=", frozenset({str(v)}))
        for k, v in (selector.get("matchLabels") or {}).items()
    ]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in selector.get("matchExpressions") or []:
        reqs.append(
            Requirement(expr["key"], ops[expr["operator"]], frozenset(expr.get("values") or ()))
        )
    return reqs


def labels_match(reqs: list[Requirement], labels: Mapping[str, str] | None) -> bool:
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)


FIELD_PATHS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "metadata.name": lambda o: o["metadata"].get("name"),
    "metadata.namespace": lambda o: o["metadata"].get("namespace"),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName"),
    "spec.unschedulable": lambda o: str(bool((o.get("spec") or {}).get("unschedulable"))).lower(),
    "status.phase": lambda o: (o.get("status") or {}).get("phase"),
    "spec.schedulerName": lambda o: (o.get("spec") or {}).get("schedulerName"),
    "type": lambda o: o.get("type"),
    "reason": lambda o: o.get("reason"),
}


def _involved(field: str) -> Callable[[dict[str, Any]], Any]:
    return lambda o: (o.get("involvedObject") or {}).get(field)


for _f in ("kind", "name", "namespace", "uid", "apiVersion", "resourceVersion", "fieldPath"):
    FIELD_PATHS[f"involvedObject.{_f}"] = _involved(_f)


def parse_field_selector(text: str | None) -> Callable[[dict[str, Any]], bool]:
    if not text:
        return lambda _obj: True
    checks: list[tuple[Callable[[dict[str, Any]], Any], bool, str]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        m = re.match(r"^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not m:
            raise SelectorError(f"invalid field selector: {part!r}")
        getter = FIELD_PATHS.get(m.group(1))
        if getter is None:
            raise SelectorError(f"field label not supported: {m.group(1)}")
        checks.append((getter, m.group(2) != "!=", m.group(3)))

    def match(obj: dict[str, Any]) -> bool:
        for getter, equal, value in checks:
            actual = getter(obj)
            actual = "" if actual is None else str(actual)
            if (actual == value) != equal:
                return False
        return True

    return match
