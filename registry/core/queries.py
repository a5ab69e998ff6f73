"""Query helpers every list shares: text search and pagination."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from registry.extensions import db


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its wildcards taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(query: Select, text: str, *columns, exact=None) -> Select:
    """Keep rows where any column contains `text` (any case), or `exact` column equals it."""
    text = text.strip()
    if not text:
        return query
    pattern = contains_pattern(text)
    conditions = [column.ilike(pattern, escape="\\") for column in columns]
    if exact is not None:
        column, value = exact
        conditions.append(column == value)
    return query.where(or_(*conditions))


def ordering(column, id_column, *, descending: bool, reverse: bool = False) -> tuple:
    """Sort by `column` then id, blanks last; with `reverse`, exactly the opposite order."""
    descending = descending != reverse
    first = column.desc() if descending else column.asc()
    first = first.nulls_first() if reverse else first.nulls_last()
    return first, id_column.desc() if descending else id_column.asc()


def paginate(query: Select, *, page: int, per_page: int, reverse_order: tuple | None = None):
    """One page of a query with the total count; a page past the end gives the last page.

    With `reverse_order` (the exact reverse of the query's order), pages in the second half
    are read from the end, so the last page costs what the first does: an OFFSET makes the
    database step over every row it skips.
    """
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last_page = max(1, -(-total // per_page))
    page = min(max(page, 1), last_page)
    if reverse_order is None or page <= (last_page + 1) // 2:
        rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
        return rows, total, page, last_page
    after = total - page * per_page  # rows after this page, skipped from the end
    taken = per_page + min(after, 0)
    backwards = query.order_by(None).order_by(*reverse_order)
    rows = db.session.scalars(backwards.limit(taken).offset(max(after, 0))).all()
    return rows[::-1], total, page, last_page
