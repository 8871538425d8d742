"""The exceptions ccbridge raises.

Every failure is a :class:`Error`. Its subclass says what to do about it (fix the input,
fix the credentials, slow down, start over, try again later); :attr:`Error.code` names the
same category as a string, identical in every ccbridge binding, and
:attr:`Error.http_status` gives the HTTP status behind the error when there was one.

Messages never contain secrets (client secret, API key, tokens).
"""

from __future__ import annotations

import builtins
from typing import ClassVar, Dict, List, Optional

__all__ = [
    "Error",
    "InvalidArgumentError",
    "AuthError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "RateLimitedError",
    "ApiError",
    "SessionExpiredError",
    "TimeoutError",
    "TransportError",
    "DecodeError",
    "ClosedError",
    "CommandFailedError",
    "OutcomeUnknownError",
]


class Error(Exception):
    """Base class of every ccbridge error."""

    #: Category name, the same in every binding (``"invalid_argument"``, ``"auth"``...).
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, http_status: Optional[int] = None) -> None:
        super().__init__(message)
        #: The message (also ``str(error)``).
        self.message: str = message
        #: HTTP status behind the error, or None when no response was involved.
        self.http_status: Optional[int] = http_status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, http_status={self.http_status!r})"


class InvalidArgumentError(Error, ValueError):
    """An argument was rejected before any request was sent."""

    code = "invalid_argument"

    def __init__(
        self, message: str, *, field: str = "", http_status: Optional[int] = None
    ) -> None:
        super().__init__(message, http_status=http_status)
        #: Name of the offending field or parameter (``"org_id"``, ``"max_events"``...).
        self.field: str = field

    def __repr__(self) -> str:
        return f"InvalidArgumentError({self.message!r}, field={self.field!r})"


class AuthError(Error):
    """Authentication failed: wrong client credentials or API key, or a refused token."""

    code = "auth"


class ForbiddenError(Error):
    """HTTP 403: authenticated but not allowed (often a missing scope)."""

    code = "forbidden"


class NotFoundError(Error):
    """HTTP 404."""

    code = "not_found"


class ConflictError(Error):
    """HTTP 409: an optimistic-locking conflict; never retried automatically."""

    code = "conflict"


class RateLimitedError(Error):
    """HTTP 429 after the retry policy gave up."""

    code = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: Optional[float] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message, http_status=http_status)
        #: The server's ``Retry-After`` in seconds, when it sent one.
        self.retry_after: Optional[float] = retry_after


class ApiError(Error):
    """Any other error status, with the service's ErrorResponse body."""

    code = "api"

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        api_code: Optional[int] = None,
        errors: Optional[List[Dict[str, Optional[str]]]] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message, http_status=http_status)
        #: HTTP status.
        self.status: int = status
        #: The ``code`` of the ErrorResponse body (the service repeats the status there).
        self.api_code: Optional[int] = api_code
        #: The ``errors`` of the ErrorResponse body: dicts with scope, reason and message.
        self.errors: List[Dict[str, Optional[str]]] = list(errors or [])


class SessionExpiredError(Error):
    """The streaming session is invalid or has expired."""

    code = "session_expired"


class TimeoutError(Error, builtins.TimeoutError):
    """The request or the wait did not complete in time.

    Also a builtin :class:`TimeoutError`, so ``except TimeoutError`` catches it.
    """

    code = "timeout"


class TransportError(Error):
    """A connection-level failure (DNS, connect, reset, TLS)."""

    code = "transport"


class DecodeError(Error):
    """A response could not be decoded."""

    code = "decode"


class ClosedError(Error):
    """The stream or client is closed, or unusable in this process (after fork)."""

    code = "closed"


class CommandFailedError(Error):
    """An agent command was accepted and then reported failed by an
    ``engagementCenter.Error`` event (or a login ended with ``Disconnected``)."""

    code = "command_failed"

    def __init__(
        self,
        message: str,
        *,
        command: str = "",
        fail_code: Optional[int] = None,
        fail_reason: str = "",
        interaction_id: Optional[str] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message, http_status=http_status)
        #: The operation that failed (``"engagementCenter.hold"``).
        self.command: str = command
        #: ``failCode`` of the Error event.
        self.fail_code: Optional[int] = fail_code
        #: ``failReason`` of the Error event.
        self.fail_reason: str = fail_reason
        #: The interaction the error is about, when it names one.
        self.interaction_id: Optional[str] = interaction_id


class OutcomeUnknownError(Error):
    """A request that is not safe to repeat (an agent command, a raw POST) got no answer
    that says whether the service acted on it (a 5xx, a timeout, a dropped connection): it
    was not sent again. Check the service's state before sending it again."""

    code = "outcome_unknown"
