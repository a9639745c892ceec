#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""report.py - the end of `make bench`: reads the Google Benchmark JSON of
bench_micro and bench_scan, prints the table of the ref core's three
configurations (faithful, portable, model) against the live ksmd, writes
PNG plots (matplotlib, Agg) and a markdown report linking them.  The
headline and the goal use portable: what mm/ksm.c could do too.

usage: report.py MICRO.json SCAN.json OUTDIR [WL.json [RATIO.json]]
RATIO.json: more runs of the 1 GiB ref scans (every configuration) and
linux scans, repeated with random interleaving; every figure is the median
of all runs.
Run with Debian's /usr/bin/python3 (matplotlib, numpy)."""
import json
import os
import re
import sys

PATTERNS = ["same", "half_dup", "unique", "last8_differ"]
GOAL = 3.0
# the configurations of BM_ref_scan's "index" argument (ksml_bench_profile()
# in bench_scan.h), in the table's order, and what each one uses that ksmd
# has or lacks
CONFIGS = [
    ("faithful", 0, "the kernel's content-ordered rbtrees, XXH64 checksums, every page read on "
     "every visit: mm/ksm.c as it is; uses nothing ksmd lacks"),
    ("portable", 2, "a hash table beside the stable rbtree (a look-up only when the kernel's "
     "walk could change nothing: no chain, no stale node; otherwise the walk; a chain's dup "
     "walk that would change nothing skipped) and XXH3 checksums; reads every page on every "
     "visit as ksmd must: uses nothing ksmd lacks, ideas mm/ksm.c could take"),
    ("model", 1, "portable plus model knowledge (an unwritten page is not checksummed again; "
     "pages with the same content name merge without the merge-time compare): uses the "
     "frames' write counts and content names: knowledge ksmd does not have; its figures are "
     "not a claim about mm/ksm.c"),
]
CONF_NAMES = [c for c, _, _ in CONFIGS]
TAGS = CONF_NAMES + ["linux"]
# the headline and the goal: what the kernel could do too
HEADLINE = "portable"
SAME = {True: "equal", False: "DIFFER", None: "-", "own": "equal*"}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"report: cannot read {path}: {e}", file=sys.stderr)
        return {"context": {}, "benchmarks": []}


def runs(doc):
    """iteration rows (not aggregates), by name"""
    out = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        out.setdefault(b["name"], []).append(b)
    return out


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return None
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def counter(rows, key):
    vals = [r[key] for r in rows if key in r and not r.get("error_occurred")]
    return median(vals)


def find(rs, regex):
    rx = re.compile(regex)
    return {n: v for n, v in rs.items() if rx.search(n)}


def fmt_rate(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def same_counters(row, a, b):
    """a's counters against b's: True/False, None when one is missing;
    "own" when b is ksmd and other processes' mergeable pages pollute the
    global counters: then only the workload's own merging pages compare"""
    if row[a + "_merging"] is None or row[b + "_merging"] is None:
        return None
    if row[a + "_others"] or row[b + "_others"]:
        return "own" if row[a + "_merging"] == row[b + "_merging"] else False
    return (row[a + "_shared"] == row[b + "_shared"] and
            row[a + "_sharing"] == row[b + "_sharing"] and
            row[a + "_merging"] == row[b + "_merging"])


def no_linux(table, ctx):
    """why there are no linux figures"""
    errs = [r["linux_err"] for r in table if r["linux_err"]]
    if errs:
        return f"linux skipped: {errs[0]}"
    if not any(r["n_linux"] for r in table):
        return f"no linux rows in the data (live KSM at the run: {ctx.get('ksmlab_live_ksm', '?')})"
    return "no linux figures"


def headline(table, ctx):
    """one line: the headline configuration against ksmd"""
    h = HEADLINE
    head = f"headline ({h}: what mm/ksm.c could do too)"
    if not any(r[h] for r in table):
        return f"{head}: not measured (no {h} rows: older JSON?)"
    if not any(r["ratio_" + h] for r in table):
        rel = [r for r in table if r[h] and r["faithful"]]
        return (f"{head}: {no_linux(table, ctx)}; {h} / faithful pages per CPU-second: " +
                (", ".join(f"{r['pattern']} {r[h] / r['faithful']:.2f}x" for r in rel) or "-"))
    return f"{head}: {h} / live ksmd pages per CPU-second: " + ", ".join(
        f"{r['pattern']} {r['ratio_' + h]:.2f}x" for r in table if r["ratio_" + h])


def goal_met(r):
    h = HEADLINE
    return (r["ratio_" + h] is not None and r["ratio_" + h] >= GOAL and
            r["lin_" + h] in (True, "own") and r[h + "_ok"] != 0 and
            r["fai_" + h] is True)


def goal_line(table, ctx):
    h = HEADLINE
    head = (f"goal: {h} (the headline: what mm/ksm.c could do too) >= {GOAL:g}x the live "
            f"ksmd's pages per CPU-second with linux's and faithful's counters")
    measured = [r for r in table if r["ratio_" + h]]
    if not measured:
        why = f"no {h} rows" if not any(r[h] for r in table) else no_linux(table, ctx)
        return f"{head}: not measured: {why}"
    nruns = min(min(r["n_" + h], r["n_linux"]) for r in measured)
    met = [r for r in table if goal_met(r)]
    return (f"{head} (medians of {nruns} or more runs of each side): "
            f"{len(met)} of {len(table)} patterns "
            f"({', '.join(r['pattern'] + ' ' + format(r['ratio_' + h], '.2f') + 'x' for r in measured)})")


def main():
    micro_path, scan_path, outdir = sys.argv[1:4]
    wl_path = sys.argv[4] if len(sys.argv) > 4 else None
    micro, scan = load(micro_path), load(scan_path)
    mr, sr = runs(micro), runs(scan)
    wr = runs(load(wl_path)) if wl_path else {}
    # the host is shared and noisy: ref and linux runs interleaved, medians
    ratio_path = sys.argv[5] if len(sys.argv) > 5 else None
    if ratio_path:
        for n, rows in runs(load(ratio_path)).items():
            sr.setdefault(n, []).extend(rows)
    ctx = scan.get("context") or micro.get("context") or {}
    os.makedirs(outdir, exist_ok=True)

    # the one-read bound: a cold page read, pages per second
    read_rows = find(mr, r"^BM_page_read/ws:16384")
    bound = bound_l3 = None
    for rows in read_rows.values():
        bound = counter(rows, "items_per_second")
    for rows in find(mr, r"^BM_page_read/ws:2048").values():
        bound_l3 = counter(rows, "items_per_second")
    pages = None
    table = []
    for p in PATTERNS:
        found = {c: find(sr, rf"^BM_ref_scan/{p}/pages:\d+/index:{code}/")
                 for c, code, _ in CONFIGS}
        found["linux"] = find(sr, rf"^BM_linux_scan/{p}/pages:\d+/")

        def largest(d):
            best = None
            for n, rows in d.items():
                m = re.search(r"pages:(\d+)", n)
                k = int(m.group(1)) if m else 0
                if not best or k > best[0]:
                    best = (k, rows)
            return best or (0, [])

        sizes = {}
        row = {"pattern": p}
        for tag in TAGS:
            sizes[tag], rows = largest(found[tag])
            row["n_" + tag] = len(rows)
            row[tag] = counter(rows, "pages_per_cpu_s")
            row[tag + "_saved"] = counter(rows, "saved_MiB")
            row[tag + "_ok"] = counter(rows, "expect_ok")
            row[tag + "_conv"] = counter(rows, "converge_scans")
            row[tag + "_cpu_conv"] = counter(rows, "converge_cpu_s")
            row[tag + "_shared"] = counter(rows, "pages_shared")
            row[tag + "_sharing"] = counter(rows, "pages_sharing")
            row[tag + "_merging"] = counter(rows, "merging_pages")
            row[tag + "_others"] = counter(rows, "others_pages")
            errs = [r.get("error_message") for r in rows if r.get("error_occurred")]
            row[tag + "_err"] = errs[0] if errs else None
        row["pages"] = sizes["faithful"] or sizes["linux"] or max(sizes.values())
        pages = pages or row["pages"]
        for c in CONF_NAMES:
            row["ratio_" + c] = row[c] / row["linux"] if row[c] and row["linux"] else None
            row["lin_" + c] = same_counters(row, c, "linux")
            row["fai_" + c] = same_counters(row, c, "faithful")
            row["bound_" + c] = row[c] / bound if row[c] and bound else None
        table.append(row)

    # ---------------------------------------------------------------- table
    mib = (pages or 0) * 4096 / 2**20
    groups = (("pages per CPU-second", TAGS), ("ratio to linux", CONF_NAMES),
              ("counters = linux", CONF_NAMES), ("of bound", CONF_NAMES))
    ghdr = f"{'':<13}" + "".join(
        "  " + f" {title} ".center(9 * len(cols) - 1, "-") for title, cols in groups)
    hdr = f"{'pattern':<13}" + "".join(
        "  " + " ".join(f"{c:>8}" for c in cols) for _, cols in groups)
    lines = [f"ksmlab bench: {pages} pages ({mib:.0f} MiB) per pattern, 4 full scans; "
             f"one-read bound {fmt_rate(bound)} pages/s from DRAM "
             f"({fmt_rate(bound_l3)} from L3)", headline(table, ctx), ghdr, hdr, "-" * len(hdr)]
    for r in table:
        cells = ([fmt_rate(r[t]) for t in TAGS] +
                 [f"{r['ratio_' + c]:.2f}x" if r["ratio_" + c] else "-" for c in CONF_NAMES] +
                 [SAME[r["lin_" + c]] for c in CONF_NAMES] +
                 [f"{100 * r['bound_' + c]:.0f}%" if r["bound_" + c] else "-" for c in CONF_NAMES])
        k = 0
        line = f"{r['pattern']:<13}"
        for _, cols in groups:
            line += "  " + " ".join(f"{v:>8}" for v in cells[k:k + len(cols)])
            k += len(cols)
        lines.append(line)
    for c, _, what in CONFIGS:
        lines.append(f"{c}: {what}")
    lines.append("of bound: pages SCANNED per CPU-second over the rate of reading every page "
                 f"once from DRAM (BM_page_read/ws:16384: {fmt_rate(bound)} pages/s), not pages "
                 "actually read: faithful and portable read every page they scan (and read "
                 "again to compare), model does not re-read unwritten pages, so it can pass "
                 "100% (any configuration can when what it reads is in cache: a small "
                 "workload, or same, whose pages merge into a few)")
    lines.append(goal_line(table, ctx))
    notes = []
    for r in table:
        for tag in TAGS:
            if r[tag + "_err"]:
                notes.append(f"{r['pattern']} {tag}: skipped: {r[tag + '_err']}")
            if r[tag + "_ok"] == 0:
                notes.append(f"{r['pattern']} {tag}: counters differ from the pattern's expectation")
        for c in CONF_NAMES[1:]:
            if r["fai_" + c] is False:
                notes.append(f"{r['pattern']}: {c} counters DIFFER from faithful's")
    others = [r["linux_others"] for r in table if r["linux_others"]]
    if others:
        notes.append(f"equal*: {min(others):.0f}..{max(others):.0f} mergeable pages of other "
                     "processes (qemu guests?) were scanned by ksmd too: linux throughput is "
                     "blended and its global counters (saved) include them; only the workload's "
                     "own merging pages were compared")
    if not any(r["portable"] for r in table) and any(r["model"] for r in table):
        notes.append("no portable rows (index:2): older JSON, where index:1 may be the former "
                     "checksum index (what model is now)")
    text = "\n".join(lines + [f"note: {n}" for n in sorted(set(notes))])
    print(text)

    # shipped workloads (harness runner), ref vs linux
    wl_rows = []
    for n in sorted(wr):
        m = re.match(r"^BM_wl_ref/([^/]+)", n)
        if not m:
            continue
        w = m.group(1)
        lin = [v for k, v in wr.items() if k.startswith(f"BM_wl_linux/{w}/")]
        lin = lin[0] if lin else []
        ref = wr[n]
        def c(rows, k):
            return counter(rows, k)
        lerr = [r.get("error_message") for r in lin if r.get("error_occurred")]
        wl_rows.append({
            "wl": w, "pages": c(ref, "pages"),
            "ref": c(ref, "pages_per_cpu_s"), "linux": c(lin, "pages_per_cpu_s"),
            "ref_saved": c(ref, "saved_MiB"), "linux_saved": c(lin, "saved_MiB"),
            "ref_conv": c(ref, "converged_at"), "linux_conv": c(lin, "converged_at"),
            "same": None if not lin or lerr else all(
                c(ref, k) == c(lin, k) for k in ("pages_shared", "pages_sharing", "pages_unshared")),
            "noise": c(lin, "host_noise"), "lerr": lerr[0] if lerr else None,
            "label": (ref[0].get("label", "") if ref else ""),
        })
    wl_text = ""
    if wl_rows:
        h = (f"{'workload':<18} {'pages':>7} {'ref p/cpu-s':>11} {'linux p/cpu-s':>13} {'ratio':>7} "
             f"{'saved ref/linux MiB':>20} {'conv ref/linux':>14} {'counters':>9}")
        out = ["per shipped workload (harness runner, ref = faithful; p/cpu-s = full scans x pages / "
               "scanner CPU)",
               h, "-" * len(h)]
        for r in wl_rows:
            ratio = f"{r['ref'] / r['linux']:.2f}x" if r["ref"] and r["linux"] else "-"
            if r["noise"] and ratio != "-":
                ratio += "*"
            def mib(x):
                return "-" if x is None else f"{x:.1f}"
            conv = f"{r['ref_conv'] if r['ref_conv'] is not None else '-':.0f}/" if r["ref_conv"] is not None else "-/"
            conv += f"{r['linux_conv']:.0f}" if r["linux_conv"] is not None else "-"
            same = {True: "equal", False: "differ", None: "-"}[r["same"]]
            if r["noise"]:
                same += "*"
            out.append(f"{r['wl']:<18} {r['pages'] or 0:>7.0f} {fmt_rate(r['ref']):>11} "
                       f"{fmt_rate(r['linux']):>13} {ratio:>7} "
                       f"{mib(r['ref_saved']) + '/' + mib(r['linux_saved']):>20} {conv:>14} {same:>9}")
        errs = sorted({r["lerr"] for r in wl_rows if r["lerr"]})
        out += [f"note: linux skipped: {e}" for e in errs]
        if any(r["noise"] for r in wl_rows):
            out.append("note: *: other processes used KSM during the linux run (host noise): "
                       "its CPU, convergence and global counters are not the workload's alone")
        if any("expect_different" in r["label"] for r in wl_rows):
            out.append("note: workloads marked expect_different in their .wl differ by design")
        wl_text = "\n".join(out)
        print()
        print(wl_text)

    # ---------------------------------------------------------------- plots
    pngs = []
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        # 1. throughput per workload: one bar per configuration, and ksmd
        fig, ax = plt.subplots(figsize=(8, 4.5))
        xs = range(len(table))
        tags = [t for t in TAGS if any(r[t] for r in table)]
        w = 0.8 / max(len(tags), 1)
        for i, tag in enumerate(tags):
            lab = "linux ksmd" if tag == "linux" else tag + (" (headline)" if tag == HEADLINE else "")
            ax.bar([x + (i - (len(tags) - 1) / 2) * w for x in xs], [r[tag] or 0 for r in table],
                   w, label=lab, color=f"C{TAGS.index(tag)}")
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r["pattern"] for r in table])
        ax.set_yscale("log")
        ax.set_ylabel("pages scanned per CPU-second")
        if bound:
            ax.axhline(bound, color="k", ls="--", lw=1, label="one-read bound (DRAM)")
        ax.set_title(f"Full-scan throughput, {pages} pages, 4 scans")
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * 6)  # room for the legend above the bars
        ax.legend(fontsize=8, ncol=3, loc="upper center")
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "throughput.png"), dpi=100)
        pngs.append(("throughput.png", "Throughput per workload (faithful, portable, model, linux)"))
        plt.close(fig)

        # 2. ratio of each configuration to linux (none without linux rows)
        confs = [c for c in CONF_NAMES if any(r["ratio_" + c] for r in table)]
        if confs:
            fig, ax = plt.subplots(figsize=(7, 4))
            w = 0.8 / len(confs)
            for i, c in enumerate(confs):
                ax.bar([x + (i - (len(confs) - 1) / 2) * w for x in xs],
                       [r["ratio_" + c] or 0 for r in table], w, color=f"C{TAGS.index(c)}",
                       label=c + (" (headline)" if c == HEADLINE else ""))
            ax.axhline(GOAL, color="r", ls="--", lw=1, label=f"goal {GOAL:g}x ({HEADLINE})")
            ax.axhline(1, color="k", lw=0.5)
            ax.set_xticks(list(xs))
            ax.set_xticklabels([r["pattern"] for r in table])
            ax.set_ylabel("configuration / linux pages per CPU-second")
            ax.legend(fontsize=8)
            fig.tight_layout()
            fig.savefig(os.path.join(outdir, "ratio.png"), dpi=100)
            pngs.append(("ratio.png", "Each configuration / linux throughput ratio per workload"))
            plt.close(fig)

        # 3. scaling with pages
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for pi, p in enumerate(PATTERNS):
            for tag, rx, ls in (("faithful", rf"^BM_ref_scan/{p}/pages:(\d+)/index:0/", "-"),
                                ("linux", rf"^BM_linux_scan/{p}/pages:(\d+)/", ":")):
                pts = []
                for n, rows in sr.items():
                    m = re.search(rx, n)
                    v = counter(rows, "pages_per_cpu_s") if m else None
                    if m and v:
                        pts.append((int(m.group(1)), v))
                if pts:
                    pts.sort()
                    ax.plot([a for a, _ in pts], [b for _, b in pts], ls, marker="o",
                            color=f"C{pi}", label=f"{tag} {p}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("pages in the workload")
        ax.set_ylabel("pages per CPU-second")
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "scaling.png"), dpi=100)
        pngs.append(("scaling.png", "Scaling with the number of pages (faithful and linux)"))
        plt.close(fig)

        # 4. knob sweeps
        fig, axs = plt.subplots(1, 2, figsize=(10, 4))
        for ax, knob, pat in ((axs[0], "pts", "half_dup"), (axs[1], "mps", "same")):
            for tag in ("ref", "linux"):
                pts = []
                for n, rows in sr.items():
                    m = re.search(rf"^BM_{tag}_{knob}/{pat}/{knob}:(\d+)", n)
                    v = counter(rows, "pages_per_cpu_s") if m else None
                    if m and v:
                        pts.append((int(m.group(1)), v))
                if pts:
                    pts.sort()
                    ax.plot([a for a, _ in pts], [b for _, b in pts], marker="o",
                            label="faithful" if tag == "ref" else tag)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel({"pts": "pages_to_scan", "mps": "max_page_sharing"}[knob])
            ax.set_ylabel("pages per CPU-second")
            ax.set_title(pat)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "knobs.png"), dpi=100)
        pngs.append(("knobs.png", "pages_to_scan and max_page_sharing sweeps"))
        plt.close(fig)

        # 5. micro: checksums and compares
        items = []
        for n, rows in sorted(mr.items()):
            if n.startswith(("BM_checksum", "BM_page_read", "BM_page_cmp")):
                v = counter(rows, "real_time")
                if v:
                    items.append((n.replace("BM_", ""), v))
        if items:
            fig, ax = plt.subplots(figsize=(8, 0.25 * len(items) + 1.5))
            ax.barh([a for a, _ in items], [b for _, b in items])
            ax.set_xscale("log")
            ax.set_xlabel("ns per page")
            ax.tick_params(axis="y", labelsize=7)
            fig.tight_layout()
            fig.savefig(os.path.join(outdir, "micro.png"), dpi=100)
            pngs.append(("micro.png", "Per-page costs: read, checksums, compares (ws = pages in working set)"))
            plt.close(fig)
    except Exception as e:  # plots are a convenience: the table still stands
        print(f"report: plots skipped: {e}", file=sys.stderr)

    # ---------------------------------------------------------------- report
    md = ["# ksmlab benchmark report", ""]
    md.append(f"Commit `{ctx.get('ksmlab_git_commit', '?')}`, {ctx.get('ksmlab_compiler', '?')}, "
              f"flags `{ctx.get('ksmlab_cflags', '?')}`, CPU {ctx.get('ksmlab_cpu', '?')}, "
              f"kernel {ctx.get('ksmlab_kernel', '?')}, NUMA {ctx.get('ksmlab_numa', '?')}, "
              f"date {ctx.get('date', '?')}, live KSM: {ctx.get('ksmlab_live_ksm', '?')}.")
    hl = headline(table, ctx)
    md += ["", f"**{hl[0].upper() + hl[1:]}.** "
           f"The headline and the goal use {HEADLINE}: it uses nothing ksmd lacks. model's "
           "figures are not a claim about mm/ksm.c.", ""]
    md += ["## The configurations vs linux", "", "```", text, "```", ""]
    md.append("The ref core scans in one thread with `ksml_scan_full()` (CPU time of that "
              "thread) in three configurations (bench/README.md), all making the kernel's "
              "decisions; linux: the live ksmd with sleep_millisecs=0, pages_to_scan=16384, "
              "smart_scan=0 (CPU time from /proc/PID/schedstat). All: the same pages, 4 full "
              "scans. The configurations are the benchmarks' `index` argument: " +
              ", ".join(f"{c} `BM_ref_scan/.../index:{code}`" for c, code, _ in CONFIGS) +
              "; under the table, one line each says what it uses that ksmd has or lacks. "
              "\"of bound\": pages *scanned* per CPU-second over the rate of reading every "
              "page once from DRAM (BM_page_read/ws:16384); it is not a count of pages read: "
              "model can pass 100% because it does not re-read unwritten pages. With the ratio "
              "runs of make bench, every configuration's and linux's figures at the full size "
              "are medians over all runs, all of them interleaved at random.")
    if wl_text:
        md += ["", "## Per shipped workload", "", "```", wl_text, "```"]
    md += ["", "## Convergence and memory saved", "",
           "Scans / CPU s to converge and MiB saved per configuration and linux; each "
           "configuration's counters (pages_shared, pages_sharing, merging pages) compared "
           "with faithful's and with linux's (equal*: only the workload's own merging pages, "
           "other processes' pages being in ksmd's counters).", "",
           "| pattern | " + " | ".join(f"{t} scans / CPU s" for t in TAGS) + " | " +
           " | ".join(f"saved {t} MiB" for t in TAGS) + " | " +
           " | ".join(f"{c} = faithful" for c in CONF_NAMES[1:]) + " | " +
           " | ".join(f"{c} = linux" for c in CONF_NAMES) + " |",
           "|---|" + "---|" * len(TAGS) + "---:|" * len(TAGS) +
           "---|" * (2 * len(CONF_NAMES) - 1)]
    for r in table:
        def conv(tag):
            if r[tag + "_conv"] is None:
                return "-"
            return f"{r[tag + '_conv']:.0f} / {r[tag + '_cpu_conv'] or 0:.3f}"

        def saved(tag):
            return "-" if r[tag + "_saved"] is None else f"{r[tag + '_saved']:.1f}"
        md.append(f"| {r['pattern']} | " + " | ".join(conv(t) for t in TAGS) + " | " +
                  " | ".join(saved(t) for t in TAGS) + " | " +
                  " | ".join(SAME[r["fai_" + c]] for c in CONF_NAMES[1:]) + " | " +
                  " | ".join(SAME[r["lin_" + c]] for c in CONF_NAMES) + " |")
    md += ["", "## Plots", ""]
    for f, title in pngs:
        md += [f"### {title}", "", f"![{title}]({f})", ""]
    md += ["## Micro benchmarks", "", "ns: time per iteration (a page for the per-page cases; a full scan for BM_unstable_tree); items/s: pages (or operations) per second.", "", "| benchmark | ns | items/s |", "|---|---:|---:|"]
    for n, rows in sorted(mr.items()):
        t = counter(rows, "real_time")
        ips = counter(rows, "items_per_second")
        err = [r.get("error_message") for r in rows if r.get("error_occurred")]
        if err:
            md.append(f"| {n} | skipped: {err[0]} | |")
        elif t is not None:
            unit = rows[0].get("time_unit", "ns")
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}.get(unit, 1)
            md.append(f"| {n} | {t * scale:.1f} | {fmt_rate(ips)} |")
    md += ["", "## NUMA and sweeps", "", "| benchmark | pages/CPU-s | saved MiB | note |",
           "|---|---:|---:|---|"]
    for n, rows in sorted(sr.items()):
        if not re.match(r"^BM_(ref|linux)_(mans|pts|mps)|^BM_numa", n):
            continue
        err = [r.get("error_message") for r in rows if r.get("error_occurred")]
        if err:
            md.append(f"| {n} | skipped | | {err[0]} |")
            continue
        v = counter(rows, "pages_per_cpu_s") or counter(rows, "items_per_second")
        md.append(f"| {n} | {fmt_rate(v)} | {counter(rows, 'saved_MiB') or ''} | "
                  f"{rows[0].get('label', '')} |")
    md += ["", f"Raw JSON: `{os.path.basename(micro_path)}`, `{os.path.basename(scan_path)}`.", ""]
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(md))
    print(f"report: {os.path.join(outdir, 'report.md')} and {len(pngs)} PNG plots")


if __name__ == "__main__":
    main()
