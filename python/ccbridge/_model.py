"""Base classes of the typed event payloads (``ccbridge.events``)."""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Mapping, Optional, Type, TypeVar

M = TypeVar("M", bound="Model")


class Model:
    """A view of one decoded object of server data, with a property per documented field.

    The data was decoded by the core, so each property returns its documented type or None;
    nothing is converted until a property is read.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def _model(self, cls: Type[M], key: str) -> Optional[M]:
        value = self._data.get(key)
        return cls(value) if isinstance(value, Mapping) else None

    def _models(self, cls: Type[M], key: str) -> Optional[List[M]]:
        value = self._data.get(key)
        if not isinstance(value, list):
            return None
        return [cls(v) for v in value if isinstance(v, Mapping)]

    def to_dict(self) -> Dict[str, Any]:
        """The decoded object, keyed by wire names."""
        return dict(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and type(other) is type(self) and (
            dict(self._data) == dict(other._data)
        )

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._data)!r})"


class EventPayload(Model):
    """The decoded payload of one event; ``event_type`` is its wire name."""

    __slots__ = ()
    event_type: ClassVar[str] = ""
