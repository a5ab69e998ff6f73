"""What an import says back: the file's one problem, or each row's problems and outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from registry.core.errors import RegistryError, ValidationFailed


class ImportFileError(RegistryError):
    """The file as a whole cannot be read: wrong encoding, format, columns or size."""


@dataclass(frozen=True)
class Problem:
    row: int  # 1 is the first record (in CSV, the line after the header)
    field: str
    message: str

    def line(self) -> str:
        where = f"row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    entity: str
    rows: int = 0
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)  # row, outcome, label
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, outcome: str) -> int:
        return sum(1 for _, done, _ in self.outcomes if done == outcome)

    def summary(self) -> str:
        return (
            f"{self.entity}: {self.rows} rows: {self.count('created')} created, "
            f"{self.count('updated')} updated, {self.count('unchanged')} unchanged"
        )

    def add(self, number: int, error: Exception, column_of: Callable[[str], str]) -> None:
        """Add what is wrong with one row; `column_of` names the file's column for a field."""
        if isinstance(error, RowProblem):
            self.problems.append(Problem(number, error.field, error.message))
        elif isinstance(error, ValidationFailed):
            self.problems.extend(
                Problem(number, column_of(name), message)
                for name, message in _flatten(error.messages)
            )
        else:
            self.problems.append(Problem(number, "", str(error)))


class RowProblem(Exception):
    """What is wrong with one row, in the file's terms: the column and the message."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def _flatten(messages, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            yield from _flatten(value, name or prefix)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, prefix)
    else:
        yield prefix, str(messages)
