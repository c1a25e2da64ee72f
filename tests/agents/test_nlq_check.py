"""The NLQ SQL checker: only SELECTs over the views run, regenerated and limited."""

from __future__ import annotations

import pytest

from agents.nlq.check import Refused, check
from agents.nlq.views import Views


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("SELECT 1 FROM measurements; DROP TABLE x", "one statement"),
        ("SELECT avg(value) FROM measurements; SELECT 1", "one statement"),
        ("DROP TABLE measurements", "only SELECT"),
        ("INSERT INTO measurements VALUES (1)", "only SELECT"),
        ("SELECT * FROM system.users", "only the views"),
        ('SELECT * FROM "system"."users"', "only the views"),
        ("SELECT * FROM other_db.measurements", "only the views"),
        ("SELECT * FROM vigil.alert_transitions", "only the views"),
        ("SELECT * FROM entity_archive", "unknown table"),
        ("SELECT * FROM url('http://x', CSV)", "table functions"),
        ("SELECT * FROM file('/etc/passwd')", "table functions"),
        ("SELECT * FROM numbers(10)", "table functions"),
        ("SELECT * FROM remote('h', db.t)", "table functions"),
        ("SELECT file('/etc/passwd')", "function file"),
        ("SELECT getSetting('readonly')", "function getsetting"),
        ("SELECT dictGet('d', 'a', 1) FROM latest", "function dictget"),
        ("SELECT value FROM measurements SETTINGS readonly = 0", "SETTINGS"),
        ("SELECT value FROM measurements FORMAT JSON", "FORMAT"),
        ("SELECT value FROM measurements INTO OUTFILE 'x'", "does not parse"),
        ("SELECT {org:String}", "parameters"),
        ("SELECT 1 FROM measurements WHERE device IN entity_archive", "IN needs"),
        ("WITH measurements AS (SELECT 1) SELECT * FROM measurements", "reuse"),
        ("SELECT x FROM latest WHERE x IN (SELECT a FROM s3('b'))", "table funct"),
        ("SELECT system.users.name FROM measurements", "database-qualified"),
        ("", "one statement"),
    ],
)
def test_checker_refuses(sql: str, why: str) -> None:
    with pytest.raises(Refused, match=why):
        check(sql)


def test_missing_limit_is_added_and_a_larger_one_lowered() -> None:
    assert check("SELECT value FROM measurements").body.endswith("LIMIT 1000")
    assert check("SELECT value FROM latest LIMIT 5000", 200).body.endswith("LIMIT 200")
    assert check("SELECT value FROM latest LIMIT 10").body.endswith("LIMIT 10")


def test_limit_by_and_unions_are_limited_from_outside() -> None:
    union = check("SELECT value FROM latest UNION ALL SELECT value FROM latest")
    assert union.body.startswith("SELECT * FROM (SELECT value FROM latest UNION ALL")
    assert union.body.endswith(") AS q LIMIT 1000")
    by = check("SELECT device, value FROM measurements LIMIT 1 BY device")
    assert by.body.endswith("LIMIT 1 BY device) AS q LIMIT 1000")


def test_query_is_regenerated_from_the_checked_tree() -> None:
    checked = check(
        "select  device,AVG(value) as average from measurements "
        "where ts > now() - interval 1 hour group by device;"
    )
    assert checked.sql == (
        "SELECT device, AVG(value) AS average FROM measurements "
        "WHERE ts > now() - INTERVAL '1' HOUR GROUP BY device LIMIT 1000"
    )


def test_own_ctes_are_kept_apart_from_the_views() -> None:
    checked = check(
        "WITH hot AS (SELECT device, value FROM latest WHERE value > 30) "
        "SELECT count() FROM hot"
    )
    assert checked.ctes == (
        "hot AS (SELECT device, value FROM latest WHERE value > 30)",
    )
    assert checked.sql.startswith("WITH hot AS (") and "count()" in checked.body
    views = Views(("latest AS (SELECT 1)",), {})
    assert views.wrap(checked.ctes, checked.body).startswith(
        "WITH latest AS (SELECT 1), hot AS ("
    )


def test_whitelisted_functions_pass() -> None:
    check(
        "SELECT toStartOfHour(ts) AS h, quantile(0.9)(value), round(avg(value), 2), "
        "countIf(value > 1), multiIf(value > 1, 'a', 'b'), "
        "CASE WHEN value > 1 THEN 1 ELSE 0 END, toDateTime64('2026-01-01', 6, 'UTC') "
        "FROM measurements WHERE ts >= today() - 1 AND device IN ('Pump 1') GROUP BY h"
    )
    check("SELECT bucket, sum(sum) / sum(count) FROM rollup_1h GROUP BY bucket")
    check("SELECT severity, count() FROM alerts GROUP BY severity")
