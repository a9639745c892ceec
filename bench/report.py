#!/usr/bin/python3
# SPDX-License-Identifier: MIT OR GPL-2.0-only
"""report.py - the end of `make bench`: reads the Google Benchmark JSON of
bench_micro and bench_scan, prints the ref-vs-linux table, writes PNG plots
(matplotlib, Agg) and a markdown report linking them.

usage: report.py MICRO.json SCAN.json OUTDIR [WL.json [RATIO.json]]
RATIO.json: more runs of the 1 GiB ref (checksum index) and linux scans,
repeated with random interleaving; every figure is the median of all runs.
Run with Debian's /usr/bin/python3 (matplotlib, numpy)."""
import json
import os
import re
import sys

PATTERNS = ["same", "half_dup", "unique", "last8_differ"]
GOAL = 3.0


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
        ref = find(sr, rf"^BM_ref_scan/{p}/pages:\d+/index:0")
        idx = find(sr, rf"^BM_ref_scan/{p}/pages:\d+/index:1")
        lin = find(sr, rf"^BM_linux_scan/{p}/pages:\d+/")

        def largest(d):
            best = None
            for n, rows in d.items():
                m = re.search(r"pages:(\d+)", n)
                k = int(m.group(1)) if m else 0
                if not best or k > best[0]:
                    best = (k, rows)
            return best or (0, [])

        kp, ref_rows = largest(ref)
        _, idx_rows = largest(idx)
        kl, lin_rows = largest(lin)
        pages = pages or kp or kl
        row = {"pattern": p, "pages": kp or kl, "n_idx": len(idx_rows), "n_linux": len(lin_rows)}
        for tag, rows in (("ref", ref_rows), ("idx", idx_rows), ("linux", lin_rows)):
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
        row["ratio"] = row["ref"] / row["linux"] if row["ref"] and row["linux"] else None
        row["ratio_idx"] = row["idx"] / row["linux"] if row["idx"] and row["linux"] else None
        # other processes' mergeable pages pollute the global counters:
        # then only the workload's own merging pages can be compared
        if row["linux_merging"] is None or row["ref_merging"] is None:
            row["same_counters"] = None
        elif row["linux_others"]:
            row["same_counters"] = "own" if row["ref_merging"] == row["linux_merging"] else False
        else:
            row["same_counters"] = (row["ref_shared"] == row["linux_shared"] and
                                    row["ref_sharing"] == row["linux_sharing"] and
                                    row["ref_merging"] == row["linux_merging"])
        row["bound_frac"] = row["ref"] / bound if row["ref"] and bound else None
        row["bound_frac_idx"] = row["idx"] / bound if row["idx"] and bound else None
        table.append(row)

    # ---------------------------------------------------------------- table
    mib = (pages or 0) * 4096 / 2**20
    hdr = (f"{'pattern':<13} {'ref p/cpu-s':>11} {'ref(idx)':>9} {'linux p/cpu-s':>13} "
           f"{'ratio':>6} {'ratio(idx)':>10} {'saved ref/linux MiB':>20} {'counters':>9} {'of bound':>9} "
           f"{'(idx)':>6}")
    lines = [f"ksmlab bench: {pages} pages ({mib:.0f} MiB) per pattern, 4 full scans; "
             f"one-read bound {fmt_rate(bound)} pages/s from DRAM "
             f"({fmt_rate(bound_l3)} from L3)", hdr, "-" * len(hdr)]
    for r in table:
        def mib(x):
            return "-" if x is None else f"{x:.1f}"
        saved = f"{mib(r['ref_saved'])}/{mib(r['linux_saved'])}"
        same = {True: "equal", False: "DIFFER", None: "-", "own": "equal*"}[r["same_counters"]]
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] else "-"
        ratio_idx = f"{r['ratio_idx']:.2f}x" if r["ratio_idx"] else "-"
        frac = f"{100 * r['bound_frac']:.0f}%" if r["bound_frac"] else "-"
        frac_idx = f"{100 * r['bound_frac_idx']:.0f}%" if r["bound_frac_idx"] else "-"
        lines.append(
            f"{r['pattern']:<13} {fmt_rate(r['ref']):>11} {fmt_rate(r['idx']):>9} "
            f"{fmt_rate(r['linux']):>13} {ratio:>6} {ratio_idx:>10} {saved:>20} {same:>9} "
            f"{frac:>9} {frac_idx:>6}")
    notes = []
    for r in table:
        for tag in ("ref", "idx", "linux"):
            if r[tag + "_err"]:
                notes.append(f"{r['pattern']} {tag}: skipped: {r[tag + '_err']}")
            if r[tag + "_ok"] == 0:
                notes.append(f"{r['pattern']} {tag}: counters differ from the pattern's expectation")
    others = [r["linux_others"] for r in table if r["linux_others"]]
    if others:
        notes.append(f"equal*: {min(others):.0f}..{max(others):.0f} mergeable pages of other "
                     "processes (qemu guests?) were scanned by ksmd too: linux throughput is "
                     "blended and its global counters (saved) include them; only the workload's "
                     "own merging pages were compared")
    for r in table:
        if r["idx_shared"] is not None and r["ref_shared"] is not None and \
                (r["idx_shared"], r["idx_sharing"]) != (r["ref_shared"], r["ref_sharing"]):
            notes.append(f"{r['pattern']}: checksum index counters DIFFER from the content index")
    met = [r for r in table if r["ratio_idx"] and r["ratio_idx"] >= GOAL and
           r["same_counters"] in (True, "own") and r["idx_ok"] != 0 and
           (r["idx_shared"], r["idx_sharing"]) == (r["ref_shared"], r["ref_sharing"])]
    measured = [r for r in table if r["ratio_idx"]]
    if any(r["bound_frac_idx"] and r["bound_frac_idx"] > 1 for r in table):
        lines.append("of bound: pages scanned per CPU-second over the rate of reading every page "
                     "once (BM_page_read from DRAM); over 100%: the checksum index reads most "
                     "pages once in 4 scans (unwritten pages are not checksummed again, named "
                     "pages merge without a compare)")
    if measured:
        nruns = min(min(r["n_idx"], r["n_linux"]) for r in measured)
        lines.append(f"goal: ref (checksum index) >= {GOAL:g}x the live ksmd's pages per CPU-second "
                     f"with the same counters (medians of {nruns} or more runs of each side): "
                     f"{len(met)} of {len(table)} patterns "
                     f"({', '.join(r['pattern'] + ' ' + format(r['ratio_idx'], '.2f') + 'x' for r in measured)})")
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
        out = ["per shipped workload (harness runner; p/cpu-s = full scans x pages / scanner CPU)",
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

        # 1. throughput per workload
        fig, ax = plt.subplots(figsize=(8, 4.5))
        w = 0.27
        xs = range(len(table))
        for i, (tag, lab) in enumerate((("ref", "ref (content index)"),
                                        ("idx", "ref (checksum index)"),
                                        ("linux", "linux ksmd"))):
            ax.bar([x + (i - 1) * w for x in xs], [r[tag] or 0 for r in table], w, label=lab)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r["pattern"] for r in table])
        ax.set_yscale("log")
        ax.set_ylabel("pages scanned per CPU-second")
        if bound:
            ax.axhline(bound, color="k", ls="--", lw=1, label="one-read bound")
        ax.set_title(f"Full-scan throughput, {pages} pages, 4 scans")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "throughput.png"), dpi=100)
        pngs.append(("throughput.png", "Throughput per workload (ref vs linux)"))
        plt.close(fig)

        # 2. ratio ref/linux
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.bar([x - 0.2 for x in xs], [r["ratio"] or 0 for r in table], 0.4, label="content index")
        ax.bar([x + 0.2 for x in xs], [r["ratio_idx"] or 0 for r in table], 0.4, label="checksum index")
        ax.axhline(GOAL, color="r", ls="--", lw=1, label=f"goal {GOAL:g}x")
        ax.axhline(1, color="k", lw=0.5)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r["pattern"] for r in table])
        ax.set_ylabel("ref / linux pages per CPU-second")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "ratio.png"), dpi=100)
        pngs.append(("ratio.png", "ref / linux throughput ratio per workload"))
        plt.close(fig)

        # 3. scaling with pages
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for pi, p in enumerate(PATTERNS):
            for tag, rx, ls in (("ref", rf"^BM_ref_scan/{p}/pages:(\d+)/index:0", "-"),
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
        pngs.append(("scaling.png", "Scaling with the number of pages"))
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
                    ax.plot([a for a, _ in pts], [b for _, b in pts], marker="o", label=tag)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel({"pts": "pages_to_scan", "mps": "max_page_sharing"}[knob])
            ax.set_ylabel("pages per CPU-second")
            ax.set_title(pat)
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
    md += ["", "## ref vs linux", "", "```", text, "```", ""]
    md.append("ref: the ref core scanning in one thread with `ksml_scan_full()` (CPU time of "
              "that thread); linux: the live ksmd with sleep_millisecs=0, pages_to_scan=16384, "
              "smart_scan=0 (CPU time from /proc/PID/schedstat). Both: the same pages, 4 full "
              "scans. \"of bound\": ref pages per CPU-second over one cold page read per "
              "second (BM_page_read/ws:16384). ref(idx): the checksum index option "
              "(bench/README.md); with the ratio runs of make bench, the ref(idx) and linux "
              "figures are medians over all runs, the two sides interleaved at random.")
    if wl_text:
        md += ["", "## Per shipped workload", "", "```", wl_text, "```"]
    md += ["", "## Convergence and memory saved", "",
           "| pattern | ref scans / CPU s to converge | ref (checksum index) | linux scans / CPU s | "
           "saved ref MiB | saved linux MiB | checksum index counters = content index |",
           "|---|---|---|---|---:|---:|---|"]
    for r in table:
        def conv(tag):
            if r[tag + "_conv"] is None:
                return "-"
            return f"{r[tag + '_conv']:.0f} / {r[tag + '_cpu_conv'] or 0:.3f}"
        same_idx = ("-" if r["idx_shared"] is None or r["ref_shared"] is None else
                    "equal" if (r["idx_shared"], r["idx_sharing"]) == (r["ref_shared"], r["ref_sharing"])
                    else "DIFFER")
        md.append(f"| {r['pattern']} | {conv('ref')} | {conv('idx')} | {conv('linux')} | "
                  f"{r['ref_saved'] if r['ref_saved'] is not None else '-'} | "
                  f"{r['linux_saved'] if r['linux_saved'] is not None else '-'} | {same_idx} |")
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
