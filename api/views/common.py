"""Helpers the API views share: reading query parameters and turning input into form data."""

from __future__ import annotations

import copy
import functools
from typing import Any

from django import forms
from django.http import QueryDict
from rest_framework import exceptions, serializers
from rest_framework.utils.urls import replace_query_param

from api.exceptions import form_errors


def query(request, params_class: type[serializers.Serializer]) -> dict[str, Any]:
    """Validated query parameters, or a 400 naming the bad ones.

    The answer depends on the parameters alone (no context reaches the serializer), so the
    valid ones are remembered per process: building a serializer deep-copies its fields, a
    seventh of a cached list page's time. The memory is bounded (``_valid_query``)."""
    items = tuple(sorted((key, tuple(values)) for key, values in request.query_params.lists()))
    try:
        return copy.deepcopy(_valid_query(params_class, items))
    except exceptions.ValidationError:
        params = params_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data


@functools.lru_cache(maxsize=512)
def _valid_query(params_class: type[serializers.Serializer], items: tuple) -> dict[str, Any]:
    data = QueryDict(mutable=True)
    for key, values in items:
        data.setlist(key, list(values))
    params = params_class(data=data)
    params.is_valid(raise_exception=True)  # raised errors are not cached: lru_cache keeps
    return dict(params.validated_data)  # only what returns


def next_url(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    # Built on the request's own URL so every filter and page_size carries over: the next
    # page is of the same listing, whatever the client asked.
    return replace_query_param(request.build_absolute_uri(), "after", cursor)


def tags_text(value: Any) -> Any:
    """A JSON list of tags as the comma-separated text the form reads.

    Each tag is quoted, so one with a space stays one tag (taggit splits on spaces when there
    is no comma).
    """
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            return value
        return ", ".join(f'"{v.replace(chr(34), "")}"' for v in value if v.strip())
    return value


def form_data(
    data: Any, *, fields: tuple[str, ...], list_fields: tuple[str, ...], base: dict | None = None
) -> dict[str, Any]:
    """The request's values for a Django form: JSON or form-encoded, on top of ``base``.

    Checks only types (text where the form wants text, a list of text where it wants a list);
    every rule and message after that is the form's own.
    """
    if not hasattr(data, "get"):
        raise exceptions.ValidationError("Send a JSON object or form fields.")
    multi = hasattr(data, "getlist")
    out = dict(base or {})
    errors: dict[str, list[str]] = {}
    for name in fields:
        if name not in data:
            continue
        value = data.getlist(name) if multi else data[name]
        if name == "tags":
            # Repeated form fields are comma-separated lists in themselves, as on the site;
            # a JSON list holds one tag per item.
            value = ", ".join(value) if multi else tags_text(value)
        elif multi:
            # A repeated field keeps its last value, as QueryDict's own lookup does.
            value = value[-1] if value else ""
        if value is None:
            value = ""
        # bool is an int: without the first test JSON true would reach the form as "True".
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[name] = ["Expected text."]
            continue
        out[name] = str(value)
    for name in list_fields:
        if name not in data:
            continue
        value = data.getlist(name) if multi else data[name]
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[name] = ["Expected a list of text values."]
            continue
        out[name] = value
    if errors:
        raise exceptions.ValidationError(errors)
    return out


def form_input(
    data: Any,
    form_class: type[forms.Form],
    *,
    fields: tuple[str, ...],
    list_fields: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The request's ``fields`` cleaned by the site's own ``form_class`` (its rules and its
    messages), plus ``extra`` values already parsed; a 400 naming each bad field otherwise."""
    form = form_class({**form_data(data, fields=fields, list_fields=list_fields), **(extra or {})})
    if not form.is_valid():
        raise form_errors(form)
    return form.cleaned_data
