"""Check a model's SQL and regenerate it from the checked tree (pure: no I/O).

Accepted: one SELECT (or a UNION/INTERSECT/EXCEPT of SELECTs, with or without a WITH
list) whose tables are only the documented views or the query's own CTEs, calling
only whitelisted functions. Refused: anything else (table functions, database-qualified
names, ``system.*``, SETTINGS, FORMAT, INTO OUTFILE, query parameters, a second
statement, ``x IN table``). The top-level LIMIT is forced to at most ``max_rows``.
What runs is the SQL sqlglot regenerates from the checked tree, never the model's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from agents.nlq import NlqError

DIALECT = "clickhouse"
VIEWS = frozenset({"measurements", "rollup_1m", "rollup_1h", "latest", "alerts"})
MAX_SQL_CHARS = 10_000
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")

AGGREGATES = """count sum avg min max any anylast argmin argmax median quantile
quantiles quantileexact stddevpop stddevsamp varpop varsamp uniq uniqexact corr
countif sumif avgif minif maxif anyif argminif argmaxif uniqif""".split()
DATES = """now today yesterday tostartofminute tostartoffiveminutes
tostartoftenminutes tostartoffifteenminutes tostartofhour tostartofday tostartofweek
tostartofmonth tostartofquarter tostartofyear tostartofinterval tomonday datetrunc
date_trunc todate todatetime todatetime64 todatetime64orNull toyear tomonth
todayofmonth todayofweek tohour tominute tosecond tounixtimestamp formatdatetime
datediff date_diff dateadd date_add datesub date_sub addminutes addhours adddays
addweeks addmonths subtractminutes subtracthours subtractdays subtractweeks
subtractmonths tointervalminute tointervalhour tointervalday tointervalweek
tointervalmonth parsedatetimebesteffort timestamp_sub timestamp_add""".split()
MATHS = """abs round floor ceil ceiling sqrt exp log ln log10 pow power greatest least
if multiif coalesce ifnull nullif isnull isnotnull tostring tofloat64 toint64
touint64 toint32 lower upper concat length startswith endswith substring trim
intdiv modulo""".split()
FUNCTIONS = frozenset(name.lower() for name in AGGREGATES + DATES + MATHS)
# Function nodes that are written as syntax rather than as a call.
SYNTAX = (exp.Case, exp.If, exp.Cast, exp.TryCast, exp.Array, exp.Extract)
STATEMENT_OPTIONS = ("settings", "format", "into")


class Refused(NlqError):
    """The SQL is not a query over the views that may run; says why."""


@dataclass(frozen=True)
class CheckedQuery:
    """A checked query, regenerated: its own CTEs and its body, apart, so the
    views can be put in front of them."""

    ctes: tuple[str, ...]
    body: str
    limit: int

    @property
    def sql(self) -> str:
        """The query over the views, as shown to the caller."""
        head = f"WITH {', '.join(self.ctes)} " if self.ctes else ""
        return head + self.body


def check(
    sql: str, max_rows: int = 1000, views: frozenset[str] = VIEWS
) -> CheckedQuery:
    """Check ``sql`` and return it regenerated, or raise :class:`Refused`."""
    root = _parse_one(sql)
    ctes = _cte_names(root, views)
    _check_tree(root, views | ctes)
    with_ = root.args.get("with_")
    root.set("with_", None)
    root = _limited(root, max_rows)
    parts = tuple(c.sql(dialect=DIALECT) for c in (with_.expressions if with_ else []))
    return CheckedQuery(parts, root.sql(dialect=DIALECT), max_rows)


def _parse_one(sql: str) -> exp.Query:
    if len(sql) > MAX_SQL_CHARS:
        raise Refused(f"the query is longer than {MAX_SQL_CHARS} characters")
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except SqlglotError as ex:
        raise Refused(f"the query does not parse: {_first_line(ex)}") from ex
    if len(statements) != 1:
        raise Refused("exactly one statement is allowed")
    root = statements[0]
    if not isinstance(root, exp.Select | exp.SetOperation):
        raise Refused(f"only SELECT is allowed, not {root.key.upper()}")
    return root


def _first_line(ex: Exception) -> str:
    return str(ex).splitlines()[0] if str(ex) else type(ex).__name__


def _cte_names(root: exp.Expr, views: frozenset[str]) -> frozenset[str]:
    names = set()
    for cte in root.find_all(exp.CTE):
        name = cte.alias_or_name
        if name in views:
            raise Refused(f"a WITH name may not reuse the view name {name}")
        names.add(name)
    return frozenset(names)


def _check_tree(root: exp.Expr, tables: frozenset[str]) -> None:
    for node in root.walk():
        if isinstance(node, exp.Select | exp.SetOperation):
            _check_options(node)
        if isinstance(node, exp.Table):
            _check_table(node, tables)
        elif isinstance(node, exp.Func):
            _check_function(node)
        elif isinstance(node, exp.Placeholder | exp.Parameter):
            raise Refused("query parameters are not allowed")
        elif isinstance(node, exp.In) and node.args.get("field") is not None:
            if not isinstance(node.args["field"], exp.Literal):
                raise Refused("IN needs a list or a subquery, not a table")
        elif isinstance(node, exp.Column) and (node.args.get("db") or node.catalog):
            raise Refused("column names may not be database-qualified")
        elif not isinstance(node, exp.Query) and _is_statement(node):
            raise Refused(f"{node.key.upper()} is not allowed")


def _is_statement(node: exp.Expr) -> bool:
    kinds = (exp.DDL, exp.DML, exp.Command, exp.Into, exp.Lateral, exp.Unnest)
    return isinstance(node, kinds)


def _check_options(node: exp.Expr) -> None:
    for option in STATEMENT_OPTIONS:
        if node.args.get(option):
            raise Refused(f"{option.upper()} is not allowed")


def _check_table(table: exp.Table, tables: frozenset[str]) -> None:
    if not isinstance(table.this, exp.Identifier):
        raise Refused("table functions are not allowed")
    if table.db or table.catalog:
        raise Refused(f"only the views may be read, not {table.sql(dialect=DIALECT)}")
    if table.name not in tables:
        allowed = ", ".join(sorted(VIEWS))
        raise Refused(f"unknown table {table.name}; read only {allowed}")


def _check_function(node: exp.Func) -> None:
    if isinstance(node, (exp.Connector, *SYNTAX)):  # AND/OR, CASE, CAST: syntax
        return
    match = _CALL.match(node.sql(dialect=DIALECT))
    name = match.group(1).lower() if match else node.key
    if name not in FUNCTIONS:
        raise Refused(f"function {name} is not allowed")


def _limited(root: exp.Query, max_rows: int) -> exp.Query:
    """Force the top-level LIMIT to at most ``max_rows``."""
    limit = root.args.get("limit")
    if isinstance(root, exp.Select) and limit is None:
        return root.limit(max_rows)
    if isinstance(root, exp.Select) and isinstance(limit, exp.Limit):
        value = limit.expression
        if not limit.expressions and isinstance(value, exp.Literal):
            if value.is_int and int(value.this) <= max_rows:
                return root
            if value.is_int:
                root.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
                return root
    return exp.select("*").from_(root.subquery("q")).limit(max_rows)
