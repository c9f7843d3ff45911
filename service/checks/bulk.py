"""The one module that writes the verdict and evaluation tables, and the plain SQL of the
re-evaluation batch: verdict rows read and written without ORM objects.

Writers: an evaluation replaces a review's verdicts (ORM objects, one review), the batch inserts
and deletes rows (plain SQL, many reviews), and an override is a conditional UPDATE of the
verdict the reviewer saw.

Building a Tortoise model (or converting every column of a values() row) costs tens of
microseconds; 100,000 reviews of 60 requirements are six million rows. The batch reads only the
columns it compares and writes only the rows that changed (COPY on PostgreSQL, executemany on
SQLite). The table and column names are those of service/checks/models.py; the statements work
on SQLite and PostgreSQL alike (placeholders are written `?` and numbered for asyncpg).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from service.checks.models import Evaluation, Outcome, Verdict


def _sql(conn: BaseDBAsyncClient, statement: str) -> str:
    if conn.capabilities.dialect != "postgres":
        return statement
    numbers = iter(range(1, 100_000))
    return re.sub(r"\?", lambda _: f"${next(numbers)}", statement)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _text(value: Any) -> str:
    return str(value)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


async def review_answers(
    conn: BaseDBAsyncClient, review_ids: Sequence[str], names: Collection[str] | None = None
) -> dict[str, Any]:
    """Each review's answers: on PostgreSQL only those in `names` (None: all)."""
    where = f"WHERE review_id IN ({_marks(len(review_ids))})"
    if names is not None and conn.capabilities.dialect == "postgres":
        # An answer set is several KB of JSON, and the checks that are evaluated again usually
        # read a few answers: turning the whole document into text and back cost more than
        # the evaluation.
        statement = (
            "SELECT review_id, (SELECT jsonb_object_agg(key, value) FROM jsonb_each(answers) "  # noqa: S608
            f"WHERE key = ANY(?)) FROM answer_set {where}"
        )
        params: list[Any] = [sorted(names), *review_ids]
    else:
        statement = f"SELECT review_id, answers FROM answer_set {where}"  # noqa: S608
        params = list(review_ids)
    _, rows = await conn.execute_query(_sql(conn, statement), params)
    return {_text(row[0]): _json(row[1]) or {} for row in rows}


async def current_verdicts(
    conn: BaseDBAsyncClient, review_ids: Sequence[str], *, except_for: Collection[str] = ()
) -> list[tuple[str, str, str, str, str, str | None]]:
    """(id, review_id, requirement_id, outcome, fingerprint, override_outcome) per verdict,
    but for the requirements in `except_for` (see outcome_counts)."""
    # The ids as text from the database: decoding millions of UUIDs only to print them again
    # costs more here than the evaluation does.
    statement = (
        "SELECT CAST(id AS TEXT), CAST(review_id AS TEXT), requirement_id, outcome, "  # noqa: S608
        "fingerprint, override_outcome "
        f"FROM verdict WHERE review_id IN ({_marks(len(review_ids))})"
    )
    params = list(review_ids)
    if except_for:
        statement += f" AND requirement_id NOT IN ({_marks(len(except_for))})"
        params += sorted(except_for)
    _, rows = await conn.execute_query(_sql(conn, statement), params)
    return [tuple(r) for r in rows]


async def outcome_counts(
    conn: BaseDBAsyncClient, review_ids: Sequence[str], requirement_ids: Collection[str]
) -> dict[str, Counter[str]]:
    """Per review, how many of its verdicts of these requirements have each outcome."""
    # Counted by the database: most of a review's verdicts stand as they are after a profile
    # update, and reading them row by row was most of the time it took to re-evaluate.
    statement = (
        "SELECT CAST(review_id AS TEXT), outcome, COUNT(*) FROM verdict "  # noqa: S608
        f"WHERE review_id IN ({_marks(len(review_ids))}) "
        f"AND requirement_id IN ({_marks(len(requirement_ids))}) GROUP BY review_id, outcome"
    )
    params = [*review_ids, *sorted(requirement_ids)]
    _, rows = await conn.execute_query(_sql(conn, statement), params)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for review_id, outcome, count in rows:
        counts[review_id][outcome] = count
    return counts


async def overrides(
    conn: BaseDBAsyncClient, verdict_ids: Sequence[str]
) -> dict[str, tuple[str, str, str | None, Any]]:
    """The reviewer's override of each verdict: (outcome, reason, by, at)."""
    if not verdict_ids:
        return {}
    statement = (
        "SELECT id, override_outcome, override_reason, overridden_by_id, overridden_at "  # noqa: S608
        f"FROM verdict WHERE id IN ({_marks(len(verdict_ids))})"
    )
    _, rows = await conn.execute_query(_sql(conn, statement), list(verdict_ids))
    found = {}
    for row in rows:
        vid, outcome, reason, by, at = row[0], row[1], row[2], row[3], row[4]
        found[_text(vid)] = (outcome, reason, _text(by) if by else None, at)
    return found


def table_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns of the model's table, from its metadata: rows for the bulk writes below are
    dicts by column name, laid out in this order (tests/checks/test_bulk_columns.py)."""
    return tuple(model._meta.fields_db_projection.values())


def _ordered(
    model: type[Model], rows: list[dict[str, Any]]
) -> tuple[tuple[str, ...], list[list[Any]]]:
    columns = table_columns(model)
    if set(rows[0]) != set(columns):
        raise ValueError(
            f"{model._meta.db_table} rows name {sorted(set(rows[0]) ^ set(columns))} wrongly"
        )
    return columns, [[row[c] for c in columns] for row in rows]


async def _insert(
    conn: BaseDBAsyncClient, table: str, columns: Sequence[str], rows: list[list[Any]]
) -> None:
    if conn.capabilities.dialect == "postgres":
        # COPY: PostgreSQL takes thousands of rows in one go, a few times faster than
        # executemany's statement per row (asyncpg quotes the column names).
        async with conn.acquire_connection() as raw:
            await raw.copy_records_to_table(table, records=rows, columns=list(columns))
        return
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({_marks(len(columns))})"  # noqa: S608
    await conn.execute_many(statement, rows)


async def insert_verdicts(conn: BaseDBAsyncClient, rows: list[dict[str, Any]]) -> None:
    """Rows by column name; JSON columns already encoded as text."""
    if rows:
        columns, ordered = _ordered(Verdict, rows)
        await _insert(conn, "verdict", columns, ordered)


async def delete_verdicts(conn: BaseDBAsyncClient, verdict_ids: Sequence[str]) -> None:
    for start in range(0, len(verdict_ids), 1000):
        part = list(verdict_ids[start : start + 1000])
        statement = f"DELETE FROM verdict WHERE id IN ({_marks(len(part))})"  # noqa: S608
        await conn.execute_query(_sql(conn, statement), part)


async def insert_evaluations(conn: BaseDBAsyncClient, rows: list[dict[str, Any]]) -> None:
    """Rows by column name; JSON columns as Python values (encoded here)."""
    if not rows:
        return
    encoded = [
        {**row, **{name: _dump(row[name]) for name in ("counts", "changes", "findings")}}
        for row in rows
    ]
    columns, ordered = _ordered(Evaluation, encoded)
    await _insert(conn, "evaluation", columns, ordered)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


async def replace_review_verdicts(
    conn: BaseDBAsyncClient, review_id: str, verdicts: list[Verdict]
) -> None:
    """An evaluation's verdicts take the place of whatever the review had."""
    await Verdict.filter(review_id=review_id).using_db(conn).delete()
    await Verdict.bulk_create(verdicts, using_db=conn)


async def add_evaluation(conn: BaseDBAsyncClient, **values: Any) -> Evaluation:
    return await Evaluation.create(**values, using_db=conn)


async def set_override(
    conn: BaseDBAsyncClient,
    verdict: Verdict,
    *,
    outcome: Outcome,
    reason: str,
    by: str,
    at: datetime,
) -> bool:
    """The reviewer's override, on the verdict as it was read: a conditional UPDATE, so a verdict
    a re-evaluation replaced meanwhile (a new row) is not overridden blindly. True when written."""
    updated = (
        await Verdict.filter(id=verdict.id, outcome=verdict.outcome)
        .using_db(conn)
        .update(
            override_outcome=outcome,
            override_reason=reason,
            overridden_by_id=by,
            overridden_at=at,
        )
    )
    return updated == 1
