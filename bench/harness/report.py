"""Markdown from results.json: the figures per table count, the ratios measured in the same run,
and the issue's goals, each marked met or missed.
    python3 bench/harness/report.py RESULTS.json > summary.md"""
import json
import sys


def mib(kib):
    return "–" if kib is None else f"{kib / 1024:.1f}"


def num(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def ratio(a, b):
    return None if not a or not b else a / b


def fmt_ratio(value):
    if value is None:
        return "–"
    return f"{value:,.0f}×" if value >= 10 else f"{value:.2f}×"


def runs_by(results):
    table = {}
    for run in results["runs"]:
        table[(run["N"], run["label"])] = run
    return table


def shapes(results):
    lines = ["| N | tables | indexes | history rows (failed) | idle clients | sessions waiting on a lock | database | built in |",
             "|---|---|---|---|---|---|---|---|"]
    for n, s in sorted(results["shapes"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {int(n):,} | {s['tables']:,} | {s['indexes']:,} | {s['history_rows']:,} "
                     f"({s['history_failed']}) | {s['idle_clients']} | {s['lock_waiters']} | "
                     f"{s['database_bytes'] / 2**20:.0f} MiB | {s['grow_seconds']} s |")
    return lines


LABELS = {"ours_default": "migration_exporter (default caps)",
          "ours_uncapped": "migration_exporter (uncapped)",
          "floor_default": "nginx, static copy of our body (default caps)",
          "floor_uncapped": "nginx, static copy of our body (uncapped)",
          "peer": "postgres_exporter 0.11.1"}


def figures(results, n):
    lines = [f"#### N = {n:,} tables", "",
             "| server | series | body bytes (gzip) | sequential scrape p50 / p99 ms (n) | wrk req/s plain / gzip "
             "| wrk p50 / p99 ms plain | wrk p50 / p99 ms gzip | RSS before → after load MiB (under load; peak) "
             "| CPU s per poll | CPU s per 1,000 scrapes plain / gzip | SQL statements per poll "
             "| DB ms per poll | statements/s idle → plain load → gzip load | poll s | load avg |",
             "|" + "---|" * 15]
    table = runs_by(results)
    for label in LABELS:
        run = table.get((n, label))
        if not run:
            continue
        seq, plain, gz = run.get("sequential", {}), run.get("wrk_plain", {}), run.get("wrk_gzip", {})
        for load in (plain, gz):
            if load.get("requests") == 0:  # wrk reports no latency when nothing completed
                load["p50_ms"] = load["p99_ms"] = f"> {load['elapsed_s'] * 1000:,.0f}"
        idle_rate = run.get("idle", {}).get("statements_per_s")
        if run["server"] == "ours":
            rates = f"{num(idle_rate, 2)} → {num(plain.get('statements_per_s'), 2)} → {num(gz.get('statements_per_s'), 2)}"
        elif run["server"] == "peer":
            rates = f"0 → {num(plain.get('statements_per_s'), 1)} → {num(gz.get('statements_per_s'), 1)}"
        else:
            rates = "–"
        gzip_bytes = run.get("gzip_bytes")
        lines.append(
            f"| {LABELS[label]} | {num(run.get('series'))} | {num(run.get('bytes'))} ({num(gzip_bytes)}) "
            f"| {num(seq.get('p50_ms'), 2)} / {num(seq.get('p99_ms'), 2)} ({seq.get('n', '–')}) "
            f"| {num(plain.get('rps'))} / {num(gz.get('rps'))} "
            f"| {num(plain.get('p50_ms'), 2)} / {num(plain.get('p99_ms'), 2)} "
            f"| {num(gz.get('p50_ms'), 2)} / {num(gz.get('p99_ms'), 2)} "
            f"| {mib(run.get('rss_warm_kib'))} → {mib(run.get('rss_after_kib'))} ({mib(run.get('rss_loaded_kib'))}; {mib(run.get('hwm_after_kib'))}) "
            f"| {num(run.get('cpu_s_per_poll'), 4)} "
            f"| {num(plain.get('cpu_s_per_1000'), 3)} / {num(gz.get('cpu_s_per_1000'), 3)} "
            f"| {num(run.get('statements_per_poll'), 1)} | {num(run.get('db_ms_per_poll'), 1)} "
            f"| {rates} | {num(run.get('poll_collectors_s'), 3)} | {' '.join(run.get('load_avg', []))} |")
    return lines


def versus(ours, other, as_percent):
    """Our req/s over another server's, plain / gzip. A server that completed no request in the
    wrk run did less than 1 per run: the ratio is then a lower bound."""
    if not other:
        return "–"
    cells = []
    for kind in ("wrk_plain", "wrk_gzip"):
        theirs = other[kind]
        if theirs["requests"] == 0:
            cells.append(f"> {fmt_ratio(ours[kind]['rps'] * theirs['elapsed_s'])}")
        elif as_percent:
            cells.append(f"{100 * ratio(ours[kind]['rps'], theirs['rps']):.0f}%")
        else:
            cells.append(fmt_ratio(ratio(ours[kind]["rps"], theirs["rps"])))
    return " / ".join(cells)


def ratios(results):
    table = runs_by(results)
    lines = ["| N | variant | req/s vs peer, plain / gzip | req/s vs floor, plain / gzip "
             "| RSS at the end of the load, peer ÷ ours | CPU per 1,000 scrapes, peer ÷ ours (plain) | DB ms per poll, peer ÷ ours |",
             "|---|---|---|---|---|---|---|"]
    for n in sorted({run["N"] for run in results["runs"]}):
        peer = table.get((n, "peer")) or {}
        for variant in results["meta"]["variants"]:
            ours, floor = table.get((n, f"ours_{variant}")), table.get((n, f"floor_{variant}"))
            if not ours:
                continue
            lines.append(
                f"| {n:,} | {variant} | {versus(ours, peer, False)} | {versus(ours, floor, True)} "
                f"| {fmt_ratio(ratio(peer.get('rss_loaded_kib'), ours.get('rss_loaded_kib')))} "
                f"| {fmt_ratio(ratio(peer.get('wrk_plain', {}).get('cpu_s_per_1000'), ours['wrk_plain'].get('cpu_s_per_1000')))} "
                f"| {fmt_ratio(ratio(peer.get('db_ms_per_poll'), ours.get('db_ms_per_poll')))} |")
    return lines


def goals(results):
    """Each goal of issue 9, per variant of ours: (goal, figure, met)."""
    table = runs_by(results)
    rows = []
    sizes = sorted({run["N"] for run in results["runs"]})
    for variant in results["meta"]["variants"]:
        label = f"ours_{variant}"
        at = lambda n, name: table.get((n, name))  # noqa: E731
        ours2k, peer2k, floor2k = at(2000, label), at(2000, "peer"), at(2000, f"floor_{variant}")
        if ours2k and peer2k:
            for kind in ("wrk_plain", "wrk_gzip"):
                theirs = max(peer2k[kind]["rps"], 1 / peer2k[kind]["elapsed_s"])  # none done: < 1 per run
                r = ratio(ours2k[kind]["rps"], theirs)
                rows.append((variant, f"throughput ≥ 100× postgres_exporter's at N=2,000 ({kind[4:]})",
                             ("> " if peer2k[kind]["requests"] == 0 else "") + fmt_ratio(r), r >= 100))
        if ours2k and floor2k:
            for kind in ("wrk_plain", "wrk_gzip"):
                r = ratio(ours2k[kind]["rps"], floor2k[kind]["rps"])
                rows.append((variant, f"throughput ≥ 50% of nginx serving our body at N=2,000 ({kind[4:]})",
                             f"{100 * r:.0f}%", r >= 0.5))
        if ours2k:
            for kind in ("wrk_plain", "wrk_gzip"):
                p99 = ours2k[kind]["p99_ms"]
                rows.append((variant, f"scrape p99 < 5 ms at N=2,000 under wrk -c{results['meta']['wrk']['connections']} ({kind[4:]})",
                             f"{p99:.2f} ms", p99 < 5))
        for n in (2000, 10000):
            ours, peer = at(n, label), at(n, "peer")
            if ours and peer:
                # Both read at the same moment: the end of the wrk load (as the peer figures
                # were); the settled RSS, one poll interval later, is given beside it.
                r = ratio(peer["rss_loaded_kib"], ours["rss_loaded_kib"])
                settled = ratio(peer["rss_after_kib"], ours["rss_after_kib"])
                rows.append((variant, f"RSS after load ≤ 1/10 of postgres_exporter's at N={n:,}",
                             f"{mib(ours['rss_loaded_kib'])} vs {mib(peer['rss_loaded_kib'])} MiB (1/{r:.1f}); "
                             f"settled {mib(ours['rss_after_kib'])} vs {mib(peer['rss_after_kib'])} MiB (1/{settled:.1f})",
                             r >= 10))
        flat = [(n, at(n, label)) for n in sizes if at(n, label)]
        if flat:
            growth = [(r["rss_after_kib"] - r["rss_warm_kib"], r["rss_warm_kib"]) for _, r in flat]
            rows.append((variant, "RSS flat under load (settled RSS after load ≤ before + 10% or + 2 MiB, every N)",
                         ", ".join(f"{g / 1024:+.1f} MiB at {n:,}" for (n, _), (g, _) in zip(flat, growth)),
                         all(g <= max(2048, 0.10 * before) for g, before in growth)))
            per_poll = {r["statements_per_poll"] for _, r in flat}
            rows.append((variant, "statements per poll constant in N",
                         ", ".join(f"{r['statements_per_poll']:g} at {n:,}" for n, r in flat), len(per_poll) == 1))
            worst = max(max(r[k]["statements_per_s"] / r["idle"]["statements_per_s"] - 1
                            for k in ("wrk_plain", "wrk_gzip")) for _, r in flat)
            rows.append((variant, "scrapes run no SQL: statements/s under wrk ≤ idle + 20%, every N",
                         f"max {100 * worst:+.0f}%", worst <= 0.20))
        big = at(10000, label)
        if big:
            rows.append((variant, "a 10,000-table poll < 1 s (collectors' wall time)",
                         f"{big['poll_collectors_s']:.3f} s", big["poll_collectors_s"] < 1))
    lines = ["| variant | goal | measured | met |", "|---|---|---|---|"]
    lines += [f"| {v} | {g} | {m} | {'yes' if ok else '**no**'} |" for v, g, m, ok in rows]
    return lines


def database_hourly(results):
    """Issue 18: database time at the shipped defaults against the peer scraped every
    peer_scrape_interval_s by peer_replicas Prometheus servers; (lines, goal rows)."""
    meta, table = results["meta"], runs_by(results)
    scrapes_per_hour = 3600 / meta.get("peer_scrape_interval_s", 15) * meta.get("peer_replicas", 2)
    lines = [f"| N | ours: DB ms per hour at the defaults | ours: DB ms per 15 s poll (cadences amortised) "
             f"| ours: statements per hour | postgres_exporter: DB ms per scrape "
             f"| postgres_exporter: DB ms per hour ({scrapes_per_hour:g} scrapes) | per poll, peer ÷ ours | per hour, peer ÷ ours |",
             "|---|---|---|---|---|---|---|---|"]
    rows = []
    for n in sorted({run["N"] for run in results["runs"]}):
        ours, peer = table.get((n, "ours_hourly")), table.get((n, "peer"))
        if not ours or not peer:
            continue
        hourly = ours["hourly"]
        peer_hour = peer["db_ms_per_poll"] * scrapes_per_hour
        per_poll = ratio(peer["db_ms_per_poll"], hourly["db_ms_per_poll"])
        per_hour = ratio(peer_hour, hourly["db_ms_per_hour"])
        lines.append(f"| {n:,} | {num(hourly['db_ms_per_hour'], 0)} | {num(hourly['db_ms_per_poll'], 1)} "
                     f"| {hourly['statements_per_hour']:,} | {num(peer['db_ms_per_poll'], 1)} "
                     f"| {num(peer_hour, 0)} | {fmt_ratio(per_poll)} | {fmt_ratio(per_hour)} |")
        rows.append(("hourly", f"DB time per poll ≤ 1/4 of postgres_exporter's per scrape at N={n:,}",
                     f"{num(hourly['db_ms_per_poll'], 1)} vs {num(peer['db_ms_per_poll'], 1)} ms (1/{per_poll:.1f})",
                     per_poll >= 4))
        rows.append(("hourly", f"DB time per hour ≤ 1/20 of postgres_exporter's at N={n:,} "
                     f"({meta.get('peer_scrape_interval_s', 15)} s, {meta.get('peer_replicas', 2)} replicas)",
                     f"{num(hourly['db_ms_per_hour'] / 1000, 1)} vs {num(peer_hour / 1000, 1)} s (1/{per_hour:.1f})",
                     per_hour >= 20))
    return lines, rows


def render(results):
    meta = results["meta"]
    wrk = meta["wrk"]
    out = [f"### Benchmark run {meta['started']} (revision {meta['revision']})", "",
           f"{meta['cores']} cores shared with other work (load average at the end of each "
           f"measurement in the last column); wrk -t{wrk['threads']} -c{wrk['connections']} "
           f"-d{wrk['seconds']}s for every server; our poll interval {meta['poll_interval_s']} s "
           f"for every collector; idle window {meta['idle_window_s']} s.", "",
           "Database shape:", ""] + shapes(results) + [""]
    for n in sorted({run["N"] for run in results["runs"]}):
        out += figures(results, n) + [""]
    out += ["#### Ratios (same run, same database)", ""] + ratios(results) + [""]
    hourly_lines, hourly_goals = database_hourly(results)
    if hourly_goals:
        out += ["#### Database time at the shipped defaults (issue 18)", "",
                f"migration_exporter with no configuration for {meta.get('hourly_window_s')} s (at the "
                "shipped cadences, 900 s hold one ranking and database sizing, three table and "
                "index sizings, sixty polls), scaled to an hour; "
                "postgres_exporter's database time per sequential scrape times the scrapes an hour "
                "brings.", ""] + hourly_lines + [""]
    goal_lines = goals(results)
    goal_lines += [f"| {v} | {g} | {m} | {'yes' if ok else '**no**'} |" for v, g, m, ok in hourly_goals]
    out += ["#### Goals", ""] + goal_lines + [""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(json.loads(open(sys.argv[1]).read())))
