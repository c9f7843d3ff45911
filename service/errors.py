"""One error base class carrying its HTTP status; the API renders every subclass the same way.

Body shape: {"error": <code>, "detail": <message>, "fields": {<field>: <reason>}}, plus
"rule": <rule id> when a named access rule refused the request (e.g. separation of duties).
"""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self, detail: str, *, fields: dict[str, str] | None = None, rule: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        self.rule = rule

    def to_body(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "detail": self.detail, "fields": self.fields}
        if self.rule is not None:
            body["rule"] = self.rule
        return body

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the error calls for (both the JSON and the HTML pages send them)."""
        return {}


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_failed"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Gone(AppError):
    status_code = 410
    code = "gone"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(AppError):
    """Too many failed secrets from one client; says nothing of the secret it came with."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"失敗した試行が多すぎます。{retry_after} 秒後にもう一度お試しください。 / "
            f"Too many failed attempts from this address: try again in {retry_after} seconds."
        )
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class CatalogError(Exception):
    """A data file in forms/, policies/ or contract_templates/ is broken."""

    def __init__(self, file: str, item: str | None, problem: str) -> None:
        where = f"{file}: {item}" if item else file
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.item = item
        self.problem = problem
