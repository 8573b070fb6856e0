"""The report of `python -m bench`: a table of figures per part, then every
goal with its ratio. A part that failed says so in both, and its goals are
not counted as met."""

from __future__ import annotations

from typing import Any

from bench import appends, export, live, search, semantic, v3
from bench.common import goal, ms

Rows = list[tuple[str, str]]


def failed(f: dict[str, Any]) -> str | None:
    error = f.get("error")
    return None if error is None else str(error)


def import_rows(r: dict[str, Any]) -> Rows:
    f, s = r["figures"], r["sizes"]
    rows: Rows = []
    for source, g in f["imports"]["sources"].items():
        beside = " / ".join(f"{x:,.0f}" for x in g.get("pipelined_beside", []))
        rows.append(
            (
                f"`sessiond import {source}`: {g['events']:,} events"
                f" ({g['input_bytes'] / 1e6:,.1f} MB)",
                f"{g['events_per_s']:,.0f} events/s ({g.get('ratio', 0):.2f}x appends beside:"
                f" {beside} /s); no-op again {g['noop_seconds'] * 1000:.1f} ms",
            )
        )
    idle = f["idle"]
    if "watch" in idle:
        rows.append(
            (
                f"`import --watch`, idle {s['idle_seconds']} s: CPU",
                f"{idle['watch']:.3%} of one core",
            )
        )
    return rows


def import_goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for source, g in r["figures"]["imports"]["sources"].items():
        out.append(goal(f"import {source} vs pipelined appends", g.get("ratio", 0.0), 0.5, ">=",
                        issue=23))  # fmt: skip
        out.append(goal(f"no-op re-import {source}", g["noop_seconds"] * 1000, 50, "<=", "ms", 23))
    return out


def chat_rows(r: dict[str, Any]) -> Rows:
    c = r["figures"]["chat"]

    def both(name: str) -> str:
        return f"{c[name + '_ms']:.0f} ms (CPU {c[name + '_cpu_ms']:.0f} ms)"

    return [
        (f"`sessiond chat`: fork to a prompt that reads keys (median of {c['rounds']})",
         both("prompt")),
        ("a key typed then, shown / `/sessions` typed then, answered",
         f"{c['echo_ms']:.0f} ms / {c['ready_ms']:.0f} ms"),
        ("`sessiond --help` / `python -c pass`, fork to exit",
         f"{both('help')} / {both('python')}"),
    ]  # fmt: skip


def chat_goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    c = r["figures"]["chat"]
    return [goal("`sessiond chat` prompt reads keys", c["prompt_ms"], 300, "<=", "ms", 26)]


def mcp_rows(r: dict[str, Any]) -> Rows:
    mc = r["figures"]["mcp"]
    rows = [
        ("MCP SDK import (`mcp`, -X importtime)", ms(mc["sdk_import_s"])),
        (
            "`sessiond mcp` / daemon: spawn to `initialize` answer",
            f"{ms(mc['start']['mcp'])} / {ms(mc['start']['daemon'])}",
        ),
    ]
    for query, q in mc["search"].items():
        rows.append(
            (
                f"`{query}`: search_history (MCP) / session/find (daemon), p50",
                f"{ms(q['mcp_p50'])} / {ms(q['daemon_p50'])} ({q['ratio']:.2f}x)",
            )
        )
    return rows


def mcp_goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    worst = max(q["ratio"] for q in r["figures"]["mcp"]["search"].values())
    return [goal("search_history p50 vs session/find p50 (worst query)", worst, 2.0, "<=",
                 issue=17)]  # fmt: skip


def export_rows(r: dict[str, Any]) -> Rows:
    ex = r["figures"]["export"]
    big, small = ex["events"], ex["small_events"]
    rows = [
        (
            f"`sessiond export --format {fmt}`, {big:,} events: median",
            f"{ex['median_seconds'][fmt]:.3f} s",
        )
        for fmt in export.FORMATS
    ]
    rows += [
        (
            f"export --format {fmt}: peak RSS at {small:,} / {big:,} events",
            " / ".join(f"{ex['peak_rss_kib'][fmt][n] / 1024:.1f} MB" for n in (small, big)),
        )
        for fmt in export.FORMATS
    ]
    return rows


def export_goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    ex = r["figures"]["export"]
    big, small = ex["events"], ex["small_events"]
    rss = ex["peak_rss_kib"]
    growth = max(rss[fmt][big] / rss[fmt][small] for fmt in export.FORMATS)
    return [
        goal(f"export markdown time vs jsonl, {big:,} events", ex["ratio"], 1.5, "<=", issue=10),
        goal(f"export peak RSS at {big:,} vs {small:,} events (flat)", growth, 1.2, "<=",
             issue=10),
    ]  # fmt: skip


def pg_rows(r: dict[str, Any]) -> Rows:
    pg = r["figures"]["postgres"]
    if "skipped" in pg:
        return [("not measured", pg["skipped"])]
    rows = []
    # The figure rows of bench.postgres's own table.
    for line in pg["table"].split("\n\n", 2)[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 2 and cells[0] not in ("figure", "---"):
            rows.append((cells[0], cells[1]))
    lag = pg["live_lag"]
    served = lag.get("served", True)
    value = (
        f"{ms(lag['p50'])} / {ms(lag['p99'])} / {ms(lag['max'])}"
        if served
        else f"not measured ({lag['why']})"
    )
    rows.append(("notification lag across two daemons, p50 / p99 / max", value))
    loaded = pg.get("lag_under_load")
    if loaded:
        load = loaded["load"]
        rows.append((
            f"notification lag under load ({load['loaders']} daemons appending"
            f" {load['loader_appends_per_s']:,.0f}/s in all, imports, a trash loop):"
            " p50 / p99 / max",
            f"{ms(loaded['lag_p50_s'])} / {ms(loaded['lag_p99_s'])} / {ms(loaded['lag_max_s'])}",
        ))  # fmt: skip
    return rows


def pg_goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    pg = r["figures"]["postgres"]
    if "skipped" in pg:
        why = "not measured (see above)"
        return [
            goal("PostgreSQL: pipelined appends vs raw psycopg, transactions of 100", None,
                 0.5, ">=", "x", 15, why),
            goal("PostgreSQL: sequential append p50 vs raw psycopg", None, 1.5, "<=", "x", 15, why),
            goal("PostgreSQL: search p50, a rare word", None, 10, "<=", "ms", 15, why),
            goal("PostgreSQL: notification lag across two daemons, p50", None, 100, "<=", "ms",
                 15, why),
        ]  # fmt: skip
    out = [
        {**g, "goal": f"PostgreSQL: {g['goal']}", "issue": 15, "note": None} for g in pg["goals"]
    ]
    lag = pg["live_lag"]
    served = lag.get("served", True)
    out.append(
        goal(
            "PostgreSQL: notification lag across two daemons, p50",
            lag["p50"] * 1000 if served else None,
            100,
            "<=",
            "ms",
            15,
            None if served else "not served yet",
        )
    )
    loaded = pg.get("lag_under_load")
    out.append(
        goal(
            "PostgreSQL: notification lag p99 under issue 25's load",
            loaded["lag_p99_s"] * 1000 if loaded else None,
            1000,
            "<=",
            "ms",
            25,
            None if loaded else "not measured",
        )
    )
    return out


def sections(r: dict[str, Any]) -> list[tuple[str, str, int, Any, Any]]:
    """(figures key, title, issue, rows of r, goals of r) per part."""
    f, s = r["figures"], r["sizes"]
    return [
        ("appends", "Appends, reads, start, memory", 6,
         lambda: appends.rows(f["appends"], s), lambda: appends.goals(f["appends"], s)),
        ("search", f"Search at {s['search_events']:,} realistic turns", 11,
         lambda: search.rows(f["search"]), lambda: search.goals(f["search"])),
        ("live", "Live updates", 12,
         lambda: live.rows(f["live"], f["idle"]), lambda: live.goals(f["live"], f["idle"])),
        ("imports", "Import, every source", 23, lambda: import_rows(r), lambda: import_goals(r)),
        ("mcp", f"MCP, on the same {s['search_events']:,} turns", 17,
         lambda: mcp_rows(r), lambda: mcp_goals(r)),
        ("export", "Export", 10, lambda: export_rows(r), lambda: export_goals(r)),
        ("chat", "The terminal chat", 26, lambda: chat_rows(r), lambda: chat_goals(r)),
        ("postgres", "PostgreSQL", 15, lambda: pg_rows(r), lambda: pg_goals(r)),
        ("v3", "Version 3: rich history, finding, privacy, hardening", 22,
         lambda: v3.rows(f["v3"]), lambda: v3.goals(f["v3"], f.get("search", {}))),
        ("semantic", "Search by meaning (synthetic vectors at 1M)", 27,
         lambda: semantic.rows(f["semantic"]), lambda: semantic.goals(f["semantic"])),
    ]  # fmt: skip


def build(r: dict[str, Any]) -> tuple[list[tuple[str, Rows]], list[dict[str, Any]]]:
    """The tables' rows per part, and every goal."""
    tables, goals = [], []
    for key, title, issue, rows, part_goals in sections(r):
        error = failed(r["figures"].get(key, {"error": "not run"}))
        if error is not None:
            tables.append((f"{title} (issue {issue})", [("FAILED", error)]))
            goals.append(goal(f"{title}: every goal", None, 0, "", "", issue, "FAILED"))
            continue
        tables.append((f"{title} (issue {issue})", rows()))
        goals += part_goals()
        idle_error = failed(r["figures"]["idle"])
        if key == "live" and idle_error is not None:
            tables[-1][1].append(("idle CPU (daemons, `import --watch`)", f"FAILED: {idle_error}"))
            goals.append(goal("idle CPU", None, 1, "<=", "%", 12, "FAILED"))
    return tables, goals


def table(r: dict[str, Any], tables: list[tuple[str, Rows]]) -> str:
    quick = " — QUICK" if r["quick"] else ""
    lines = [f"sessiond benchmark — {r['when']} — {r['machine']}{quick}"]
    for title, rows in tables:
        lines += ["", f"**{title}**", "", "| figure | value |", "| --- | --- |"]
        lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "| goal | issue | measured | target | |", "| --- | --- | --- | --- | --- |"]
    for g in r["goals"]:
        unit = g["unit"]
        sep = "" if unit in ("x", "%", "") else " "
        target = f"{g['op']} {g['limit']}{sep}{unit}" if g["op"] else "—"
        if g["value"] is None:
            lines.append(f"| {g['goal']} | {g['issue']} | — | {target} | {g['note']} |")
            continue
        digits = 2 if unit == "x" else 1
        value = f"{g['value']:.{digits}f}{sep}{unit}"
        state = "met" if g["met"] else "NOT MET"
        lines.append(f"| {g['goal']} | {g['issue']} | {value} | {target} | {state} |")
    lines += ["", f"benchmark wall time: {r['wall_s']:.0f} s"]
    return "\n".join(lines)
