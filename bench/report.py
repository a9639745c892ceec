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

PATTERNS = ["same", "half_dup", "unique", "last8_differ", "rewrite10"]
GOAL = 3.0
GOAL_BOUND = 0.5
GOAL_FLAT = 1.5
# the configurations of BM_ref_scan's "index" argument (ksml_bench_profile()
# in bench_scan.h), in the table's order, and in one sentence what each one
# uses that ksmd has or lacks
CONFIGS = [
    ("faithful", 0, "mm/ksm.c's own method (content-ordered stable and unstable rbtrees, "
     "XXH64 checksums, every page read on every visit): uses nothing ksmd lacks and lacks "
     "nothing ksmd has."),
    ("portable", 2, "adds a hash table of the stable tree's nodes by 64-bit page hash (used "
     "only where the kernel's walk could change nothing), skips chain dup walks that could "
     "change nothing, prefetches the next tree level's pages, frames and PTEs from hints "
     "filed with each node, and uses XXH3 checksums; it still walks and reads every page on "
     "every visit, so it uses nothing ksmd lacks: these are ideas mm/ksm.c could take."),
    ("model", 1, "portable plus knowledge ksmd does not have: the frames' write counts (an "
     "unwritten page is not read again) and content names (pages named alike merge without "
     "the merge-time compare), so its figures are not a claim about mm/ksm.c."),
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


def errors(rows):
    """the error messages of the runs that failed"""
    return [r.get("error_message") for r in rows if r.get("error_occurred")]


def first_error(rows):
    errs = errors(rows)
    return errs[0] if errs else None


def tag_of(backend, index):
    """a BM_ref_* or BM_linux_* row's column: linux, or the configuration
    of its index argument"""
    return "linux" if backend == "linux" else \
        next(c for c, code, _ in CONFIGS if code == int(index))


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


# a pattern's row of the table: per column (a configuration or linux), the
# median of each counter, under the column's name + suffix
ROW_COUNTERS = (("", "pages_per_cpu_s"), ("_saved", "saved_MiB"), ("_ok", "expect_ok"),
                ("_conv", "converge_scans"), ("_cpu_conv", "converge_cpu_s"),
                ("_shared", "pages_shared"), ("_sharing", "pages_sharing"),
                ("_merging", "merging_pages"), ("_others", "others_pages"),
                ("_unshared", "pages_unshared"), ("_rmap", "rmap_items"))
COUNTER_KEYS = ("pages_shared", "pages_sharing", "pages_unshared", "rmap_items",
                "merging_pages")
OWN_KEYS = ("merging_pages", "rmap_items")


def signatures(rows, own):
    """the counters of every run that ran, as a set of tuples: all of
    COUNTER_KEYS and the counters after each scan, or, when other
    processes' pages pollute ksmd's global counters, only the workload's
    own (OWN_KEYS)"""
    out = set()
    for r in rows:
        if r.get("error_occurred"):
            continue
        keys = list(OWN_KEYS) if own else list(COUNTER_KEYS) + sorted(
            k for k in r if re.match(r"^(shared|sharing|unshared)_s\d+$", k))
        out.add(tuple((k, r.get(k)) for k in keys))
    return out


def same_counters(row, a, b):
    """a's counters against b's, run by run: True when every run of both
    has the same counters (and the same after every scan), False if not,
    None when one side has no run; "own" when b is ksmd and other
    processes' mergeable pages pollute the global counters: then only the
    workload's own merging pages and rmap items compare"""
    ra, rb = row["rows_" + a], row["rows_" + b]
    if not [r for r in ra if not r.get("error_occurred")] or \
            not [r for r in rb if not r.get("error_occurred")]:
        return None
    own = bool(row[a + "_others"] or row[b + "_others"])
    same = len(signatures(ra, own) | signatures(rb, own)) == 1
    if own:
        return "own" if same else False
    return same


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
            f"ksmd's pages per CPU-second with linux's and faithful's counters, and >= "
            f"{100 * GOAL_BOUND:.0f}% of the one-read bound in pages read")
    measured = [r for r in table if r["ratio_" + h]]
    if not measured:
        why = f"no {h} rows" if not any(r[h] for r in table) else no_linux(table, ctx)
        return f"{head}: not measured: {why}"
    nruns = min(min(r["n_" + h], r["n_linux"]) for r in measured)
    met = [r for r in table if goal_met(r)]
    bnd = [r for r in table if r["bound_" + h] and r["bound_" + h] >= GOAL_BOUND]
    return (f"{head} (medians of {nruns} or more runs of each side): ratio met on "
            f"{len(met)} of {len(table)} patterns "
            f"({', '.join(r['pattern'] + ' ' + format(r['ratio_' + h], '.2f') + 'x' for r in measured)}); "
            f"bound met on {len(bnd)} of {len(table)} "
            f"({', '.join(r['pattern'] + ' ' + (format(100 * r['bound_' + h], '.0f') + '%' if r['bound_' + h] else '-') for r in table)})")


def scaling(sr):
    """the BM_*_scale rows: per pattern, per tag, {pages: (pages/CPU-s,
    error)}, and a text table with portable's cost flatness"""
    scale, blended = {}, []
    for n, rows in sr.items():
        m = re.match(r"^BM_(ref|linux)_scale/([^/]+)/pages:(\d+)(?:/index:(\d))?/", n)
        if not m:
            continue
        tag = tag_of(m.group(1), m.group(4))
        scale.setdefault(m.group(2), {}).setdefault(tag, {})[int(m.group(3))] = (
            counter(rows, "pages_per_cpu_s"), first_error(rows))
        # ksmd scanned other processes' pages too: its figure is blended
        sc, fs = counter(rows, "pages_scanned"), counter(rows, "full_scans")
        if tag == "linux" and sc and fs and sc > int(m.group(3)) * fs:
            blended.append(f"{m.group(2)} linux {m.group(3)} pages: ksmd scanned "
                           f"{sc - int(m.group(3)) * fs:.0f} pages of other processes too "
                           f"(mergeable pages found: {counter(rows, 'others_pages'):.0f}): "
                           "its figure is theirs and ours blended")
    if not scale:
        return "", scale
    out = ["scaling (BM_*_scale: pages per CPU-second, 4 full scans; '-': skipped, below)"]
    skipped = []
    for p, per in sorted(scale.items()):
        sizes = sorted({n for t in per.values() for n in t})
        h = f"{p + ' pages':<18}" + "".join(f" {t:>9}" for t in TAGS) + \
            "".join(f" {c + '/linux':>15}" for c in CONF_NAMES)
        out += [h, "-" * len(h)]
        for n in sizes:
            v = {t: per.get(t, {}).get(n, (None, None)) for t in TAGS}
            for t in TAGS:
                if v[t][1]:
                    skipped.append(f"{p} {t} {n} pages: {v[t][1]}")
            out.append(f"{n:<18}" + "".join(f" {fmt_rate(v[t][0]):>9}" for t in TAGS) +
                       "".join(f" {v[c][0] / v['linux'][0]:>14.2f}x" if v[c][0] and v['linux'][0]
                               else f" {'-':>15}" for c in CONF_NAMES))
        for t in TAGS:
            pts = [(n, x) for n, (x, _) in per.get(t, {}).items() if x]
            if len(pts) >= 2:
                lo, hi = min(x for _, x in pts), max(x for _, x in pts)
                out.append(f"  {t}: cost per page from {min(pts)[0]} to {max(pts)[0]} pages "
                           f"varies {hi / lo:.2f}x" +
                           (f" (goal for {HEADLINE}: within {GOAL_FLAT:g}x: "
                            f"{'met' if hi / lo <= GOAL_FLAT else 'NOT met'})"
                            if t == HEADLINE else ""))
    out += [f"skipped: {x}" for x in skipped]
    out += [f"note: {x}" for x in sorted(blended)]
    if not skipped:
        out.append("skipped: none (MemAvailable sufficed for every size)")
    return "\n".join(out), scale


def sparse_scan(sr):
    """the BM_*_sparse rows: CPU per full scan of the same present pages
    packed in a mapping of their size and spread over a 1 TiB one"""
    per = {}
    for n, rows in sr.items():
        m = re.match(r"^BM_(ref|linux)_sparse/([^/]+)/pages:(\d+)/vma_mib:(\d+)(?:/index:(\d))?/", n)
        if not m:
            continue
        tag = tag_of(m.group(1), m.group(5))
        cpu, fs = counter(rows, "cpu_s"), counter(rows, "full_scans")
        ok = counter(rows, "expect_ok")
        per.setdefault((m.group(2), int(m.group(3))), {}).setdefault(tag, {})[int(m.group(4))] = (
            cpu / fs * 1e6 if cpu and fs else None, first_error(rows), ok)
    if not per:
        return ""
    out = []
    for (pat, pages), t in sorted(per.items()):
        out.append(f"sparse scan (BM_*_sparse: {pages} present {pat} pages, 4 full scans; "
                   "CPU microseconds per full scan)")
        h = f"{'mapping':<28}" + "".join(f" {x:>9}" for x in TAGS)
        out += [h, "-" * len(h)]
        sizes = sorted({v for x in t.values() for v in x})
        for v in sizes:
            label = f"packed ({pages * 4 // 1024} MiB)" if v == 0 else \
                f"{v // (1 << 20)} TiB, 8 islands" if v >= (1 << 20) else f"{v} MiB, 8 islands"
            out.append(f"{label:<28}" + "".join(
                f" {t.get(x, {}).get(v, (None,))[0]:>9.0f}" if t.get(x, {}).get(v, (None,))[0]
                else f" {'-':>9}" for x in TAGS))
        if len(sizes) == 2:
            a, b = sizes
            out.append(f"{'sparse / packed':<28}" + "".join(
                f" {t[x][b][0] / t[x][a][0]:>8.2f}x" if x in t and t[x].get(a, (None,))[0]
                and t[x].get(b, (None,))[0] else f" {'-':>9}" for x in TAGS))
        bad = [f"{x} {v} MiB" for x in TAGS for v, (_, _, ok) in t.get(x, {}).items()
               if ok is not None and ok != 1]
        skipped = [f"{x} {v} MiB: {e}" for x in TAGS for v, (_, e, _) in t.get(x, {}).items() if e]
        out.append("counters as the pattern's on every side" if not bad else
                   "counters NOT as the pattern's: " + ", ".join(bad))
        out += [f"skipped: {x}" for x in skipped]
    out.append("the cost of a full scan follows the present pages, not the mapping's size, "
               "when sparse / packed stays near 1x (ksmd since 6.18 skips unpopulated ranges; "
               "ref does the same in vmem)")
    return "\n".join(out)


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
            for suffix, key in ROW_COUNTERS:
                row[tag + suffix] = counter(rows, key)
            row["rows_" + tag] = rows
            row[tag + "_err"] = first_error(rows)
            # pages read per page scanned (ref: the core's counters): a
            # checksum reads one page, a compare that found the pages equal
            # read two; one that found a difference stopped where memcmp
            # did, unknown: counted 0 (lo) or 2 (hi)
            scanned = counter(rows, "pages_scanned")
            cs, cmp_, eq = (counter(rows, k) for k in
                            ("page_checksums", "page_compares", "page_compares_equal"))
            if scanned and cs is not None:
                row[tag + "_rlo"] = (cs + 2 * eq) / scanned
                row[tag + "_rhi"] = (cs + 2 * cmp_) / scanned
            else:
                row[tag + "_rlo"] = row[tag + "_rhi"] = None
        # ksmd does not count its reads: faithful's are the kernel's method's
        row["linux_rlo"], row["linux_rhi"] = row["faithful_rlo"], row["faithful_rhi"]
        row["pages"] = sizes["faithful"] or sizes["linux"] or max(sizes.values())
        pages = pages or row["pages"]
        for c in TAGS:
            for e in ("lo", "hi"):
                rd = row[c + "_r" + e]
                row[f"bound{e}_" + c] = row[c] * rd / bound if row[c] and rd and bound else None
            row["bound_" + c] = row["boundlo_" + c]
        for c in CONF_NAMES:
            row["ratio_" + c] = row[c] / row["linux"] if row[c] and row["linux"] else None
            row["lin_" + c] = same_counters(row, c, "linux")
            row["fai_" + c] = same_counters(row, c, "faithful")
        table.append(row)

    # ---------------------------------------------------------------- table
    mib = (pages or 0) * 4096 / 2**20
    groups = (("pages per CPU-second", TAGS), ("ratio to linux", CONF_NAMES),
              ("counters = linux", CONF_NAMES), ("of bound (pages read)", TAGS))
    ghdr = f"{'':<13}" + "".join(
        "  " + f" {title} ".center(9 * len(cols) - 1, "-") for title, cols in groups)
    hdr = f"{'pattern':<13}" + "".join(
        "  " + " ".join(f"{c:>8}" for c in cols) for _, cols in groups)
    lines = [f"ksmlab bench: {pages} pages ({mib:.0f} MiB) per pattern, 4 full scans; "
             f"one-read bound {fmt_rate(bound)} pages/s from DRAM "
             f"({fmt_rate(bound_l3)} from L3)", headline(table, ctx), ghdr, hdr, "-" * len(hdr)]

    def pct(x):
        return f"{100 * x:.0f}%" if x else "-"
    for r in table:
        cells = ([fmt_rate(r[t]) for t in TAGS] +
                 [f"{r['ratio_' + c]:.2f}x" if r["ratio_" + c] else "-" for c in CONF_NAMES] +
                 [SAME[r["lin_" + c]] for c in CONF_NAMES] +
                 [pct(r["bound_" + c]) for c in TAGS])
        k = 0
        line = f"{r['pattern']:<13}"
        for _, cols in groups:
            line += "  " + " ".join(f"{v:>8}" for v in cells[k:k + len(cols)])
            k += len(cols)
        lines.append(line)
    for c, _, what in CONFIGS:
        lines.append(f"{c}: {what}")
    lines.append("linux: the live ksmd, lock-stepped one batch per full scan (pages_to_scan above "
                 "the pass, asleep between scans; writes of rewrite10 land between scans); its "
                 "CPU from /proc/PID/schedstat.")
    lines.append(f"of bound: pages READ per CPU-second over the rate of reading every page once "
                 f"from DRAM (BM_page_read/ws:16384: {fmt_rate(bound)} pages/s). Read, from the "
                 "core's counters: 1 page per checksum, 2 per page compare that found the pages "
                 "equal; a compare that found a difference is counted 0 (memcmp does not say "
                 "where it stopped: a lower bound; counting it 2 instead is the upper bound in "
                 "the reads table). ksmd does not count its reads: its column uses faithful's "
                 "reads per scanned page (the same method, the same compares). Above 100%: "
                 "reads from cache (pages merged into a few, the top of a tree).")
    rh = f"{'pattern':<13}" + "".join(f" {t:>14}" for t in CONF_NAMES) + "   of bound lo-hi: " + \
        " ".join(f"{t:>10}" for t in TAGS)
    reads = ["pages read per page scanned (lo: differing compares count 0, hi: 2), and the "
             "bound fractions they give", rh, "-" * len(rh)]
    for r in table:
        def rr(t):
            return (f"{r[t + '_rlo']:.2f}-{r[t + '_rhi']:.2f}"
                    if r[t + "_rlo"] is not None else "-")

        def bb(t):
            lo, hi = r["boundlo_" + t], r["boundhi_" + t]
            return f"{100 * lo:.0f}-{100 * hi:.0f}%" if lo and hi else "-"
        reads.append(f"{r['pattern']:<13}" + "".join(f" {rr(t):>14}" for t in CONF_NAMES) +
                     "                   " + " ".join(f"{bb(t):>10}" for t in TAGS))
    lines += [""] + reads + [""]
    lines.append(goal_line(table, ctx))
    nchk = {t: sum(len([x for x in r["rows_" + t] if not x.get("error_occurred")])
                   for r in table) for t in TAGS}
    lines.append("counters checked run by run (pages_shared, pages_sharing, pages_unshared, "
                 "rmap_items, the workload's merging pages, and shared/sharing/unshared after "
                 "each scan): " + ", ".join(f"{t} {nchk[t]} runs" for t in TAGS))
    scale_text, scale = scaling(sr)
    sparse_text = sparse_scan(sr)
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
        for c in CONF_NAMES:
            if r["lin_" + c] is False:
                notes.append(f"{r['pattern']}: {c} counters DIFFER from linux's")
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
    if scale_text:
        print()
        print(scale_text)
    if sparse_text:
        print()
        print(sparse_text)

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
        lerr = errors(lin)
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

        # 3. scaling with pages: every configuration and ksmd (BM_*_scale)
        if scale:
            fig, ax = plt.subplots(figsize=(7.5, 4.5))
            styles = {"half_dup": "-", "unique": "--", "same": ":", "last8_differ": "-.",
                      "rewrite10": (0, (1, 1))}
            for p, per in sorted(scale.items()):
                for tag in TAGS:
                    pts = sorted((n, v) for n, (v, _) in per.get(tag, {}).items() if v)
                    if pts:
                        ax.plot([a for a, _ in pts], [b for _, b in pts],
                                ls=styles.get(p, "-"), marker="o", color=f"C{TAGS.index(tag)}",
                                label=f"{'linux ksmd' if tag == 'linux' else tag} {p}")
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("pages in the workload (4 KiB each)")
            ax.set_ylabel("pages per CPU-second")
            ax.set_title("Scaling: 4 full scans, every configuration and ksmd")
            ax.legend(fontsize=7, ncol=2)
            fig.tight_layout()
            fig.savefig(os.path.join(outdir, "scaling.png"), dpi=100)
            pngs.append(("scaling.png", "Scaling with the number of pages (every configuration "
                         "and linux)"))
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
              "thread in the scans only) in three configurations (bench/README.md), all making "
              "the kernel's decisions; linux: the live ksmd, lock-stepped one batch per full "
              "scan as the harness does (pages_to_scan above the pass, sleep_millisecs an hour, "
              "kicked scan by scan; smart_scan=0; CPU time from /proc/PID/schedstat). All: the "
              "same pages, 4 full scans; rewrite10 writes 10% of the pages again before scans "
              "2-4 on both sides, between scans, outside the measured CPU. The configurations "
              "are the benchmarks' `index` argument: " +
              ", ".join(f"{c} `BM_ref_scan/.../index:{code}`" for c, code, _ in CONFIGS) +
              "; under the table, one sentence each says what it uses that ksmd has or lacks. "
              "\"of bound\": pages *read* (the core's counts of checksums and compares) per "
              "CPU-second over the rate of reading every page once from DRAM; how a compare "
              "that stopped early counts is said under the table. With the ratio runs of make "
              "bench, every configuration's and linux's figures at the full size are medians "
              "over all runs, all of them interleaved at random; the counters are checked on "
              "every run.")
    if scale_text:
        md += ["", "## Scaling", "", "```", scale_text, "```"]
    if sparse_text:
        md += ["", "## Sparse mappings", "", "```", sparse_text, "```"]
    if wl_text:
        md += ["", "## Per shipped workload", "", "```", wl_text, "```"]
    md += ["", "## Convergence and memory saved", "",
           "Scans / CPU s to converge (the last scan after which pages_shared or "
           "pages_sharing changed, read between lock-stepped scans on both sides) and MiB "
           "saved per configuration and linux; each configuration's counters (pages_shared, "
           "pages_sharing, pages_unshared, rmap_items, merging pages, and the counters after "
           "each scan) compared run by run with faithful's and with linux's (equal*: only the "
           "workload's own merging pages and rmap items, other processes' pages being in "
           "ksmd's counters).", "",
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
        err = errors(rows)
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
        err = errors(rows)
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
