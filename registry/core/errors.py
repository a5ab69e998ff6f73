"""Errors the service layer raises; the web, the API and the CLI each render them their way."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of every error a user can cause and be told about."""


class ValidationFailed(RegistryError):
    """Input was rejected; `messages` maps each field to what is wrong with it."""

    def __init__(self, messages: dict[str, list[str]] | dict, entity: str | None = None):
        self.messages = messages
        self.entity = entity
        super().__init__(self.summary())

    def summary(self) -> str:
        parts = []
        for field, problems in sorted(self.messages.items(), key=lambda item: str(item[0])):
            text = "; ".join(_flatten(problems))
            parts.append(f"{field}: {text}" if field != "_schema" else text)
        prefix = f"Invalid {self.entity}: " if self.entity else ""
        return prefix + " | ".join(parts)


class BadFilter(ValidationFailed):
    """A list's query string named a parameter it does not take, or a value it cannot take."""

    def __init__(self, messages: dict):
        super().__init__(messages, None)

    def summary(self) -> str:
        return "Some parameters were not accepted: " + super().summary()


class Conflict(RegistryError):
    """The record changed since it was read, or a unique value is already taken."""


class RuleViolation(RegistryError):
    """A domain rule forbids the change (e.g. no extension options left)."""


def _flatten(problems) -> list[str]:
    if isinstance(problems, str):
        return [problems]
    if isinstance(problems, dict):
        return [f"{key}: {text}" for key, value in problems.items() for text in _flatten(value)]
    return [text for problem in problems for text in _flatten(problem)]
