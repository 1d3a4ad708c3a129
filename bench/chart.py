#!/usr/bin/python3
"""Turns a benchmark run's results.json into one PNG: throughput, latency under load, memory and
database time per poll, by table count, for migration_exporter, postgres_exporter and the static
floor. Needs Debian's python3-matplotlib (run it with /usr/bin/python3).
    bench/chart.py bench/results/latest/results.json docs/readme/performance.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

SERIES = [  # label in results.json, legend, colour
    ("ours_default", "migration_exporter (default caps)", "#1b9e77"),
    ("ours_uncapped", "migration_exporter (every table)", "#66a61e"),
    ("floor_uncapped", "nginx serving our body (floor)", "#7570b3"),
    ("peer", "postgres_exporter 0.11.1", "#d95f02"),
]
def completed(read):
    """A wrk figure, or None when the server completed no request during the run."""
    return lambda r: read(r) if r["wrk_gzip"]["requests"] else None


PANELS = [  # title, how to read a run, y label
    ("Throughput, Accept-Encoding: gzip (higher is better)",
     completed(lambda r: r["wrk_gzip"]["rps"]), "requests/s"),
    ("Scrape latency p99 under the same wrk load (gzip)",
     completed(lambda r: r["wrk_gzip"]["p99_ms"]), "ms"),
    ("Memory (RSS) at the end of the load", lambda r: r["rss_loaded_kib"] / 1024, "MiB"),
    ("Database time per poll (postgres_exporter: per scrape)", lambda r: r.get("db_ms_per_poll"),
     "ms of server execution"),
]


def main(source, target):
    results = json.loads(open(source).read())
    runs = {(run["N"], run["label"]): run for run in results["runs"]}
    sizes = sorted({run["N"] for run in results["runs"]})
    present = [s for s in SERIES if any((n, s[0]) in runs for n in sizes)]
    figure, axes = plt.subplots(2, 2, figsize=(12, 8), dpi=100)
    width = 0.8 / max(1, len(present))
    for axis, (title, read, unit) in zip(axes.flat, PANELS):
        nothing = []  # runs with no request completed: marked, not drawn
        for index, (label, legend, colour) in enumerate(present):
            xs, ys = [], []
            for position, n in enumerate(sizes):
                run = runs.get((n, label))
                value = read(run) if run else None
                x = position + (index - (len(present) - 1) / 2) * width
                if value:
                    xs.append(x)
                    ys.append(value)
                elif run and "wrk_gzip" in run and not run["wrk_gzip"]["requests"]:
                    nothing.append((x, colour))
            bars = axis.bar(xs, ys, width, label=legend, color=colour)
            axis.bar_label(bars, labels=[f"{v:,.0f}" if v >= 10 else f"{v:.2g}" for v in ys],
                           fontsize=7, padding=1)
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.10g}"))
        axis.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axis.set_title(title, fontsize=10)
        axis.set_ylabel(unit)
        axis.set_xticks(range(len(sizes)), [f"{n:,} tables" for n in sizes])
        axis.grid(axis="y", which="major", alpha=0.3)
        axis.margins(y=0.15)
        for x, colour in nothing:
            axis.text(x, axis.get_ylim()[0] * 1.15, "none in\nthe run", fontsize=6, ha="center",
                      va="bottom", color=colour)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(present), frameon=False)
    meta = results["meta"]
    figure.suptitle(f"migration_exporter vs postgres_exporter, same database, same run "
                    f"(wrk -c{meta['wrk']['connections']} -d{meta['wrk']['seconds']}s, "
                    f"{meta['cores']} shared cores, {meta['started'][:10]})", fontsize=11)
    figure.tight_layout(rect=(0, 0.05, 1, 0.96))
    figure.savefig(target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
