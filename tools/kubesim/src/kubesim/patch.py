"""The four patch flavours of the Kubernetes API, on plain JSON values.

- JSON patch (RFC 6902, `application/json-patch+json`)
- JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge, `null` deletes,
  lists are replaced whole
- strategic merge patch (`application/strategic-merge-patch+json`): like a merge patch, but lists
  with a merge key (containers by name, ports by containerPort, conditions by type, ...) merge
  element by element; `$patch: delete|replace` and `$setElementOrder/...` directives honoured
- server-side apply (`application/apply-patch+yaml`) is served as a strategic merge
"""

from __future__ import annotations

import copy
from typing import Any

# Field name → merge key, for lists that merge by key (from the Kubernetes API's
# x-kubernetes-patch-merge-key). Fields not listed are replaced whole (e.g. EndpointSlice
# `endpoints`, `tolerations`, `args`).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "taints": "key",
    "addresses": "type",
}
# `ports` merges by containerPort inside containers and by port inside a Service spec.
PORT_KEYS = ("containerPort", "port")
SET_LISTS = {"finalizers"}


class PatchError(ValueError):
    pass


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            result[name] = [v for v in result.get(name) or [] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_list(key, result[key], value)
        elif isinstance(value, dict):
            result[key] = strategic_merge_patch(result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_key(field: str, items: list[Any]) -> str | None:
    if field in MERGE_KEYS:
        return MERGE_KEYS[field]
    if field == "ports":
        for key in PORT_KEYS:
            if any(isinstance(i, dict) and key in i for i in items):
                return key
    return None


def _merge_list(field: str, current: list[Any], patch: list[Any]) -> list[Any]:
    if field in SET_LISTS:
        return list(dict.fromkeys([*current, *patch]))
    key = _merge_key(field, [*current, *patch])
    if key is None or not all(isinstance(i, dict) for i in [*current, *patch]):
        return copy.deepcopy(patch)
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [copy.deepcopy(i) for i in patch if i.get("$patch") != "replace"]
    merged = [copy.deepcopy(i) for i in current]
    index = {item.get(key): n for n, item in enumerate(merged)}
    for item in patch:
        ident = item.get(key)
        if item.get("$patch") == "delete":
            merged = [m for m in merged if m.get(key) != ident]
            index = {m.get(key): n for n, m in enumerate(merged)}
        elif ident in index:
            merged[index[ident]] = strategic_merge_patch(merged[index[ident]], item)
        else:
            merged.append(copy.deepcopy(item))
            index[ident] = len(merged) - 1
    return merged


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        node = _child(node, part)
    return node, parts[-1]


def _child(node: Any, part: str) -> Any:
    try:
        if isinstance(node, list):
            return node[int(part)]
        return node[part]
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise PatchError(f"path element {part!r} not found") from exc


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902; raises PatchError on a bad operation or a failed `test`."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch is a list of operations")
    result = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid operation {op!r}")
        kind, parts = op["op"], _pointer(op["path"])
        if kind == "test":
            node = result
            for part in parts:
                node = _child(node, part)
            if node != op.get("value"):
                raise PatchError(f"test failed at {op['path']}")
            continue
        if kind in ("move", "copy"):
            source = result
            for part in _pointer(op["from"]):
                source = _child(source, part)
            value = copy.deepcopy(source)
            if kind == "move":
                result = json_patch(result, [{"op": "remove", "path": op["from"]}])
            result = json_patch(result, [{"op": "add", "path": op["path"], "value": value}])
            continue
        if not parts:
            if kind in ("add", "replace"):
                result = copy.deepcopy(op.get("value"))
                continue
            raise PatchError("cannot remove the whole document")
        parent, last = _parent(result, parts)
        if kind == "add":
            if isinstance(parent, list):
                position = len(parent) if last == "-" else int(last)
                if not 0 <= position <= len(parent):
                    raise PatchError(f"index {last} out of range")
                parent.insert(position, copy.deepcopy(op["value"]))
            elif isinstance(parent, dict):
                parent[last] = copy.deepcopy(op["value"])
            else:
                raise PatchError(f"cannot add to {op['path']}")
        elif kind == "remove":
            _child(parent, last)
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        elif kind == "replace":
            _child(parent, last)
            if isinstance(parent, list):
                parent[int(last)] = copy.deepcopy(op["value"])
            else:
                parent[last] = copy.deepcopy(op["value"])
        else:
            raise PatchError(f"unknown op {kind!r}")
    return result
