"""Exceptions of :mod:`riskassess.instruments.arns`.

:class:`RequestError` is the library's stand-in for the service's HTTP 400: the request
body does not fit the service's JSON schema (unknown field, wrong JSON type, a number for
an enum, a non-boolean for a boolean). Rule breaches that the service reports inside a
200 response (``validationErrors``) are *not* exceptions: :func:`score_request` returns
them as the service does. :class:`~riskassess.exceptions.OffenceCodeError` (a code that is
malformed, unmapped or ``UNKNOWN``) lives in :mod:`riskassess.exceptions` because the case
record raises it too; it is re-exported here.

Examples
--------
>>> from riskassess.instruments.arns import RequestError
>>> from riskassess.exceptions import OffenceCodeError, RiskAssessError
>>> issubclass(RequestError, ValueError) and issubclass(RequestError, RiskAssessError)
True
"""

from __future__ import annotations

from riskassess.exceptions import OffenceCodeError, RiskAssessError

__all__ = ["OffenceCodeError", "RequestError"]


class RequestError(RiskAssessError, ValueError):
    """The request body would be refused by the service before scoring (HTTP 400).

    Parameters
    ----------
    message : str
        What is wrong, naming the field.
    field : str or None
        The offending request field (camelCase), when there is one.

    Examples
    --------
    >>> err = RequestError("field 'isUnemployed': expected a JSON boolean, got int 1",
    ...                    field="isUnemployed")
    >>> err.field, isinstance(err, ValueError)
    ('isUnemployed', True)
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)
