"""The walk shared by every structural check: one problem list, JSON paths, and the
checks of single properties (objects, types, URLs, strings, enumerations, timestamps)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from credentials.errors import Problem
from credentials.validation._values import is_language_value, is_url, parse_datetime_stamp, types_of

_P = ParamSpec("_P")
_R = TypeVar("_R")
_W = TypeVar("_W", bound="Walker")


def rule(
    code: str,
) -> Callable[[Callable[Concatenate[_W, _P], _R]], Callable[Concatenate[_W, _P], _R]]:
    """Problems a method (and what it calls) adds carry ``code`` unless they name another."""

    def decorate(method: Callable[Concatenate[_W, _P], _R]) -> Callable[Concatenate[_W, _P], _R]:
        def checked(self: _W, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            saved, self.rule = self.rule, code
            try:
                return method(self, *args, **kwargs)
            finally:
                self.rule = saved

        checked.__name__, checked.__doc__ = method.__name__, method.__doc__
        return checked

    return decorate


def at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def entries(value: object, path: str) -> Iterator[tuple[str, object]]:
    """The members of a JSON-LD set written either as one value or as a list."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{path}[{index}]", item
    else:
        yield path, value


def show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Walker:
    """Collects problems while walking one document; each method checks one property."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: The code of the rule being checked (``credentials.findings``); see ``rule``.
        self.rule = "vc.malformed"

    def add(self, path: str, message: str, code: str | None = None) -> None:
        self.problems.append(Problem(path, message, code or self.rule))

    def objects(
        self, owner: Mapping[str, Any], key: str, path: str
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """The object members of ``owner[key]`` (one object or a list); reports the others."""
        found: list[tuple[str, Mapping[str, Any]]] = []
        if key not in owner:
            return found
        for entry_path, entry in entries(owner[key], at(path, key)):
            if isinstance(entry, Mapping):
                found.append((entry_path, entry))
            else:
                self.add(entry_path, "must be an object")
        return found

    def type_(self, owner: Mapping[str, Any], path: str, *, include: str | None = None) -> None:
        if "type" not in owner:
            self.add(at(path, "type"), "is required")
            return
        types = types_of(owner["type"])
        if types is None:
            self.add(at(path, "type"), "must be a string or a non-empty list of strings")
        elif include is not None and include not in types:
            self.add(at(path, "type"), f"must include {include!r}")

    def includes(self, owner: Mapping[str, Any], path: str, name: str) -> None:
        types = types_of(owner.get("type"))
        if types is not None and name not in types:
            self.add(at(path, "type"), f"must include {name!r}")

    def url(self, owner: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> None:
        if key not in owner:
            if required:
                self.add(at(path, key), "is required")
        elif not is_url(owner[key]):
            self.add(at(path, key), "must be a single absolute URL (or URN or DID)")

    def text(
        self, owner: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> None:
        if key not in owner:
            if required:
                self.add(at(path, key), "is required")
        elif not isinstance(owner[key], str):
            self.add(at(path, key), "must be a string")
        elif required and not owner[key].strip():
            self.add(at(path, key), "must not be empty")

    def language_text(self, owner: Mapping[str, Any], key: str, path: str) -> None:
        """VC 2.0 §11.1: a string, a language value object, or a list of those."""
        if key not in owner:
            return
        value = owner[key]
        for _, item in entries(value if value != [] else None, key):
            if not (isinstance(item, str) or is_language_value(item)):
                self.add(at(path, key), "must be a string or language value object(s)")
                return

    def enum(
        self,
        owner: Mapping[str, Any],
        key: str,
        path: str,
        allowed: frozenset[str],
        *,
        extensible: bool = True,
        required: bool = False,
    ) -> None:
        if key not in owner:
            if required:
                self.add(at(path, key), "is required")
            return
        value = owner[key]
        if isinstance(value, str) and (
            value in allowed or (extensible and value.startswith("ext:") and len(value) > 4)
        ):
            return
        extension = " or an extension term starting with 'ext:'" if extensible else ""
        self.add(at(path, key), f"must be a defined value{extension}, not {show(value)}")

    def timestamp(self, owner: Mapping[str, Any], key: str, path: str) -> datetime | None:
        if key not in owner:
            return None
        parsed = parse_datetime_stamp(owner[key])
        if parsed is None:
            self.add(
                at(path, key), "must be a dateTimeStamp with a timezone (2025-01-31T12:00:00Z)"
            )
        return parsed
