"""One transaction per request and per command: commit once at the end, or roll back.

Views, API operations and commands call services, which only flush; none of them commits or
rolls back. The boundary ends the unit of work once (`end`):

- A request commits after its view answered with a success or a redirect (status below 400),
  before the first byte is sent: a streamed export reads its rows after the commit. Every
  other answer rolls back: an exception, whichever handler renders it (a validation error as
  422, a conflict as 409, a stale If-Match as 412, an unexpected error as 500), and an error
  page a view chose to show, such as a form shown again with its messages. An exception rolls
  back before its handler renders, so the error page reads what is stored.
- A command (`unit_of_work`, used by `registry/cli/common.py: cli_command`) commits when it returns
  and rolls back when it raises.

A change begins inside `write_transaction()` (registry/core/db.py): it takes SQLite's write
lock at BEGIN, and an exception raised inside rolls the change back at once, so a view that
catches a `ValidationFailed` or `Conflict` to show the form again, or a `RuleViolation` to
flash it and redirect, shows and keeps nothing of the failed change.

Two helpers cover what the single commit cannot:

- `commit_separately()` commits a small record at once, in a transaction of its own, kept
  whatever the request does next: an access refusal (answered 403), a failed sign-in and its
  lockout counter (401), an API token's request count (even a 429), the audit event of a
  download, on record before the download is built or sent, and a reminder run's claims and
  deliveries, on record around each mail sent.
- `discard()` undoes what a preview or dry run changed, although it ends in success.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, got_request_exception

from registry.core.db import has_changes, write_transaction
from registry.extensions import db


def end(*, keep: bool) -> None:
    """End the unit of work: commit what it changed if `keep`, else roll all of it back."""
    if keep:
        db.session.commit()
    else:
        db.session.rollback()


def discard() -> None:
    """Undo everything this request or command changed so far (a preview, a dry run)."""
    end(keep=False)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block changed if it ends normally; roll it back on any exception."""
    try:
        yield
    except BaseException:
        end(keep=False)
        raise
    end(keep=True)


@contextmanager
def commit_separately(*, even_on: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Run the block as a writer in a transaction of its own and commit it at once.

    The commit stands whatever the request or command does afterwards. An exception of a type
    in `even_on` is raised after committing what the block wrote (a refused sign-in keeps its
    failure count); any other rolls it back. Nothing may be changed before: it would be
    committed too, so that is refused as a programming error.
    """
    session = db.session()
    if has_changes(session):
        raise RuntimeError("commit_separately() would commit the changes made before it")
    with write_transaction():
        try:
            yield
        except even_on:
            session.commit()
            raise
        session.commit()


def init_app(app: Flask) -> None:
    """Make every request one unit of work."""
    handle_user_exception = app.handle_user_exception

    def roll_back_then_handle(error: Exception):
        end(keep=False)
        return handle_user_exception(error)

    # Flask calls this for every exception a view or a before_request hook raises, before
    # any error handler renders its page (Flask-RESTful wraps its handlers the same way).
    app.handle_user_exception = roll_back_then_handle
    got_request_exception.connect(_roll_back_unhandled, app)
    app.after_request(_end_request)


def _roll_back_unhandled(sender: Flask, exception: BaseException, **extra) -> None:
    end(keep=False)


def _end_request(response: Response) -> Response:
    end(keep=response.status_code < 400)
    return response
