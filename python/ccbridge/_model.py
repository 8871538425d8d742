"""Base classes of the typed event payloads (``ccbridge.events``).

A payload class wraps the event's payload as the service sent it (the dict of
:attr:`ccbridge.Event.payload`) and decodes one field when its property is read, so a
callback pays only for the fields it reads. Each read follows the core's lenient rules for
server data (``core/src/lenient.rs``): a value that does not fit its documented type is
None (or the type's default for a required field), an integer sent as text is read as an
integer, an integer/string twin such as ``ehubSessionId``/``ehubSessionIdRev`` is read as
text from the string twin first. ``to_dict()`` gives what the core's decoder gives
(``Event.typed_payload()``); the tests hold the two equal over every documented event and
over distorted copies of them.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple, Type, TypeVar

M = TypeVar("M", bound="Model")

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
# Rust's `str::parse::<i64>` after trim: an optional sign, then ASCII digits only.
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
# The largest magnitude below which a whole float converts to an integer exactly enough.
_WHOLE_FLOAT_LIMIT = 9.0e15


def _float_text(value: float) -> str:
    # As serde_json writes a float (the core's text of a number): the shortest digits that
    # read back, as repr; positional from 1e-5 (repr: from 1e-4); a negative exponent
    # without padding (1.5e-7, repr: 1.5e-07); a positive one as repr (1e+20).
    text = repr(value)
    if "e-" not in text:
        return text
    mantissa, exponent = text.split("e-")
    power = int(exponent)
    if power == 5:
        sign = "-" if mantissa.startswith("-") else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return f"{sign}0.0000{digits}"
    return f"{mantissa}e-{power}"


def text_of(value: Any) -> Optional[str]:
    """A text value, also from a number or a boolean; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    return None


def integer_of(value: Any) -> Optional[int]:
    """A whole number, also from its text or a whole float; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if _I64_MIN <= value <= _I64_MAX:
            return value
        return None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _WHOLE_FLOAT_LIMIT:
            return int(value)
        return None
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.fullmatch(text):
            number = int(text)
            if _I64_MIN <= number <= _I64_MAX:
                return number
    return None


def number_of(value: Any) -> Optional[float]:
    """A number, also from its text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and "_" not in value:
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def boolean_of(value: Any) -> Optional[bool]:
    """A boolean, also from ``"true"``/``"false"`` (any case) or a whole number."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0 if _I64_MIN <= value <= _I64_MAX else None
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Model:
    """A view of one object of server data, with a property per documented field.

    Nothing is converted until a property is read; each read gives its documented type or
    None, never an exception.
    """

    __slots__ = ("_data",)

    #: (wire name, attribute) of every documented field, in the documents' order.
    _FIELDS: ClassVar[Tuple[Tuple[str, str], ...]] = ()

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def _text(self, key: str) -> Optional[str]:
        value = self._data.get(key)
        if value.__class__ is str:
            return value
        return text_of(value)

    def _twin(self, key: str, twin: str) -> Optional[str]:
        # The string twin is exact where the integer may be rounded or absent.
        value = text_of(self._data.get(twin))
        return value if value is not None else self._text(key)

    def _integer(self, key: str) -> Optional[int]:
        return integer_of(self._data.get(key))

    def _number(self, key: str) -> Optional[float]:
        return number_of(self._data.get(key))

    def _boolean(self, key: str) -> Optional[bool]:
        return boolean_of(self._data.get(key))

    def _map(self, key: str) -> Optional[Dict[str, Any]]:
        value = self._data.get(key)
        return value if isinstance(value, dict) else None

    def _model(self, cls: Type[M], key: str) -> Optional[M]:
        value = self._data.get(key)
        return cls(value) if isinstance(value, Mapping) else None

    def _models(self, cls: Type[M], key: str) -> Optional[List[M]]:
        value = self._data.get(key)
        if isinstance(value, list):
            return [cls(v) for v in value if isinstance(v, Mapping)]
        if isinstance(value, Mapping):
            # A single object where the documents say a list: a list of one.
            return [cls(value)]
        if isinstance(value, str) and not value.strip():
            # `" "` where the documents' schema says an array: no items.
            return []
        return None

    def to_dict(self) -> Dict[str, Any]:
        """The decoded object, keyed by wire names: the documented fields that are present,
        each in its documented type (twins merged into the field's own name)."""
        out: Dict[str, Any] = {}
        for wire, attribute in self._FIELDS:
            value = getattr(self, attribute)
            if value is not None:
                out[wire] = _plain(value)
        return out

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Model)
            and type(other) is type(self)
            and self.to_dict() == other.to_dict()
        )

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"


class EventPayload(Model):
    """The payload of one event, decoded on access; ``event_type`` is its wire name."""

    __slots__ = ()
    event_type: ClassVar[str] = ""
