"""Response examples in the OpenAPI documents, from the models' own examples.

A model documents one realistic instance in `model_config["json_schema_extra"]["examples"]`;
an operation whose answer is that model, a list of it, or a page of it (a model whose
required fields are such lists, e.g. `{items, next_cursor}`) gets that instance as its
response's `example`, so a frontend team (and a mock server such as Prism) sees what comes
back. tests/test_public_api.py validates every example through the route's own response
model, so an example cannot drift from the code.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel

_NONE = object()


def _own(model: type[BaseModel]) -> Any:
    extra = model.model_config.get("json_schema_extra")
    if isinstance(extra, dict):
        examples = extra.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
    return _NONE


def example_of(annotation: Any) -> Any:
    """An example value of `annotation`, or `_NONE` when none can be made from examples."""
    origin = typing.get_origin(annotation)
    if origin in (list, typing.List):  # noqa: UP006
        (item,) = typing.get_args(annotation) or (Any,)
        inner = example_of(item)
        return _NONE if inner is _NONE else [inner]
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        for arg in args:
            if arg is not type(None):
                found = example_of(arg)
                if found is not _NONE:
                    return found
        return None if type(None) in args else _NONE
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        own = _own(annotation)
        if own is not _NONE:
            return own
        built: dict[str, Any] = {}
        for name, info in annotation.model_fields.items():
            value = example_of(info.annotation)
            if value is _NONE:
                if info.is_required():
                    return _NONE
                continue
            built[info.alias or name] = value
        return built
    return _NONE


def route_example(route: APIRoute) -> Any:
    """The example of what `route` answers, or `_NONE`."""
    if route.response_model is None:
        return _NONE
    return example_of(route.response_model)


def add_response_examples(operation: dict[str, Any], route: APIRoute) -> None:
    example = route_example(route)
    if example is _NONE:
        return
    for status, response in operation.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        media = response.get("content", {}).get("application/json")
        if media is not None and "example" not in media and "examples" not in media:
            media["example"] = example


def has_example(value: Any) -> bool:
    return value is not _NONE
