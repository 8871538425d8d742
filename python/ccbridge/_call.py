"""What the generated typed methods share: building the generic call's parameters."""

from __future__ import annotations

import warnings
from typing import Any, Dict, Mapping, Optional, Set

_warned: Set[str] = set()


def params(
    *,
    session_id: Optional[str] = None,
    path: Mapping[str, Any],
    query: Optional[Mapping[str, Any]] = None,
    body: Any = None,
    extra_body: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """The generic parameters of one call; arguments left at None are not sent."""
    out: Dict[str, Any] = dict(path)
    if session_id is not None:
        out["sessionId"] = session_id
    if query:
        q = {k: v for k, v in query.items() if v is not None}
        if q:
            out["query"] = q
    if isinstance(body, Mapping):
        out["body"] = {k: v for k, v in body.items() if v is not None}
    elif body is not None:
        out["body"] = list(body)
    if extra_body:
        out["extraBody"] = dict(extra_body)
    return out


def deprecated(op: str) -> None:
    """Warns once per process that ``op`` is a legacy operation."""
    if op not in _warned:
        _warned.add(op)
        warnings.warn(
            f"{op} is a legacy v2 streaming operation; the v3 operations replace it",
            DeprecationWarning,
            stacklevel=3,
        )
