"""Domain exceptions. The web edge maps each `code` to an HTTP status and a Chinese message."""

from workflows.reasons import Reason


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, fields: dict | None = None, reasons: list[Reason] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.reasons = reasons or []


class ValidationFailed(DomainError):
    code, status = "validation_error", 400


class NotFound(DomainError):
    code, status = "not_found", 404


class NotPermitted(DomainError):
    code, status = "not_permitted", 403


class Duplicate(DomainError):
    code, status = "duplicate", 409


class StaleVersion(DomainError):
    code, status = "stale_version", 409


class PoolFull(DomainError):
    code, status = "pool_full", 409


class QuotaFull(DomainError):
    """A 成长之星 district quota is a hard limit (unlike a pool's target): 409 `quota_full`."""

    code, status = "quota_full", 409


class IllegalTransition(DomainError):
    code, status = "illegal_transition", 422


class UnknownAction(DomainError):
    code, status = "not_found", 404


class GuardFailed(DomainError):
    code, status = "guard_failed", 422


def one_of(labels) -> str:
    """The allowed values of a choice as a user reads them: Chinese labels only, never the codes behind them
    ("初创型、成长型或领军型"). `labels` is a label table ({code: label}) or the labels themselves."""
    words = list(labels.values()) if hasattr(labels, "values") else list(labels)
    return words[0] if len(words) == 1 else "、".join(words[:-1]) + "或" + words[-1]
