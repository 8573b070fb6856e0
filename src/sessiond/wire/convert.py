"""Between JSON and the wire's typed classes: camelCase names, strict types.

The cattrs converter's hooks are strict: JSON `true`, `1.5` or `"3"` are not
integers, numbers are not strings. `describe` says how a JSON value reads in
an error message; `parse_time` reads the contract's RFC 3339 times. Both
sides of the wire use it: the daemon to read params, the terminal client to
read results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from sessiond.errors import InvalidParams


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def describe(value: object) -> str:
    """How a JSON value reads in an error message."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def parse_time(value: str, field: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 time, or InvalidParams."""
    import datetime

    try:
        # Python 3.11 reads RFC 3339 ('Z', offsets, any fraction).
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or len(value) < 20:
        raise InvalidParams(
            f"'{field}' must be an RFC 3339 time with a zone, e.g. "
            f"2026-11-25T04:26:05.123Z; got {describe(value)}"
        )
    return int(when.timestamp() * 1000)


# The converter


def _strict(expected: type, words: str) -> Callable[[Any, type], Any]:
    def hook(value: Any, _type: type) -> Any:
        # `type(...) is` on purpose: bool is a subclass of int.
        if type(value) is not expected:
            raise TypeError(f"must be {words}; got {describe(value)}")
        return value

    return hook


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False, detailed_validation=True)
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))

    def structure_factory(cls: type) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, converter, **renames)

    def unstructure_factory(cls: type) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, converter, **renames)

    converter.register_structure_hook_factory(attrs.has, structure_factory)
    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return converter


CONVERTER = make_converter()


def first_problem(exc: BaseException) -> str:
    """The first refusal in a cattrs error tree, as a sentence."""
    if isinstance(exc, InvalidParams):
        return exc.message
    if isinstance(exc, ClassValidationError):
        with_notes, others = exc.group_exceptions()
        for inner, note in with_notes:
            name = camel(note.name)
            if isinstance(inner, InvalidParams):
                return inner.message
            if isinstance(inner, KeyError):
                return f"'{name}' is required"
            if isinstance(inner, ClassValidationError):
                return first_problem(inner)
            return f"'{name}' {inner}"
        for inner in others:
            return first_problem(inner)
    if isinstance(exc, ForbiddenExtraKeysError):
        return str(exc)
    return str(exc)


def unstructure(value: Any) -> Any:
    """Plain JSON values (camelCase keys) for a result."""
    if value is None:
        return None
    return CONVERTER.unstructure(value)
