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


def paginate(query: Select, *, page: int, per_page: int):
    """One page of a query with the total count; a page past the end gives the last page."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last_page = max(1, -(-total // per_page))
    page = min(max(page, 1), last_page)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total, page, last_page
