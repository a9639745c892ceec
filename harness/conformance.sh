#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# conformance.sh - the differential campaign: random `ksmlab gen` workloads
# from a seed range, each run by ref in every named configuration and by
# the host's KSM through `ksmlab diff` (every deterministic counter after
# every scan), and a table of workloads x configurations:
#   equal         equal after every scan, global and per-process counters
#   different     a deterministic counter differed (a bug until the live
#                 kernel shows otherwise); the workload is kept under
#                 build/conformance/different/CONFIG/ for replay
#   inconclusive  other processes used the host's KSM, so only per-process
#                 values could be compared, or a difference may be theirs;
#                 kept under build/conformance/inconclusive/CONFIG/
#   error         the run failed (kept under build/conformance/error/)
# Environment: CONF_SEEDS=FIRST-LAST (default 900000-900199), CONF_CONFIGS
# (default "faithful portable model"), CONF_BATCH workloads per diff
# (default 50), CONF_WAIT_QUIET seconds to wait for other KSM users per
# batch (default 20).
# Exit: 0 every workload equal in every configuration, 1 a difference or
# an error, 3 no difference but some inconclusive, 77 no live KSM or no
# root (SKIPPED, with the reason), 2 bad arguments.
set -u
cd "$(dirname "$0")/.."
KSMLAB=${KSMLAB:-build/ksmlab}
PY=/usr/bin/python3
OUT=${CONF_OUT:-build/conformance}
seeds=${CONF_SEEDS:-900000-900199}
configs=${CONF_CONFIGS:-faithful portable model}
batch=${CONF_BATCH:-50}
wait_quiet=${CONF_WAIT_QUIET:-20}

case $seeds in
*[!0-9-]* | -* | *- | *-*-* | '') echo "conformance: CONF_SEEDS=$seeds: want FIRST-LAST" >&2; exit 2 ;;
*-*) first=${seeds%-*} last=${seeds#*-} ;;
*) first=$seeds last=$seeds ;;
esac
[ "$first" -le "$last" ] || { echo "conformance: CONF_SEEDS=$seeds: FIRST > LAST" >&2; exit 2; }
[ -x "$KSMLAB" ] || { echo "conformance: $KSMLAB not built (make)" >&2; exit 2; }
for c in $configs; do
	case $c in faithful | portable | model) ;; *) echo "conformance: CONF_CONFIGS: no configuration '$c'" >&2; exit 2 ;; esac
done
if [ ! -e /sys/kernel/mm/ksm/run ]; then
	echo "SKIPPED: no KSM in this kernel (/sys/kernel/mm/ksm missing)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIPPED: the linux backend needs root (uid $(id -u))"
	exit 77
fi

rm -rf "$OUT"
mkdir -p "$OUT/wl" "$OUT/json"
n=$((last - first + 1))
for ((s = first; s <= last; s++)); do
	"$KSMLAB" gen -o "$OUT/wl/rand-$s.wl" "$s" || { echo "conformance: gen $s failed" >&2; exit 1; }
done
start=$(date +%s)
for c in $configs; do
	files=("$OUT"/wl/rand-*.wl)
	for ((i = 0; i < ${#files[@]}; i += batch)); do
		part=("${files[@]:i:batch}")
		"$KSMLAB" diff -q --json --config "$c" --wait-quiet "$wait_quiet" "${part[@]}" \
			>"$OUT/json/$c-$i.json" 2>"$OUT/json/$c-$i.err"
		rc=$?
		# 0 equal, 1 different, 3 inconclusive: the rows say which; else an error
		case $rc in 0 | 1 | 3) ;; *)
			echo "conformance: ksmlab diff --config $c exit $rc on ${part[0]}..: $(tail -2 "$OUT/json/$c-$i.err")" >&2 ;;
		esac
	done
	echo "conformance: $c done ($(($(date +%s) - start)) s)"
done

OUT=$OUT CONFIGS="$configs" N=$n FIRST=$first LAST=$last $PY - <<'PYEOF'
import glob, json, os, shutil, sys
out, configs = os.environ["OUT"], os.environ["CONFIGS"].split()
n = int(os.environ["N"])
table, rc = {}, 0
for c in configs:
    seen, tally = set(), {"equal": 0, "different": 0, "inconclusive": 0, "error": 0}
    varied = 0
    for path in sorted(glob.glob(f"{out}/json/{c}-*.json")):
        try:
            rows = json.load(open(path))
        except ValueError:
            rows = []
        for r in rows:
            # a workload the diff could not load is named by its path
            name = os.path.basename(r["workload"])
            if name.endswith(".wl"):
                name = name[:-3]
            seen.add(name)
            # the oracle's verdict (harness/oracle.c); a random workload
            # has no expect-different mark, so "expected" is a difference
            v = {"equal": "equal", "inconclusive": "inconclusive",
                 "different": "different", "expected": "different"}.get(
                     r.get("verdict"), "error")
            tally[v] += 1
            # equal to the kernel's second run, the kernel's two differed
            varied += v == "equal" and bool(r.get("kernel_varied"))
            if v != "equal":
                d = f"{out}/{v}/{c}"
                os.makedirs(d, exist_ok=True)
                if os.path.exists(f"{out}/wl/{name}.wl"):
                    shutil.copy(f"{out}/wl/{name}.wl", d)
                with open(f"{d}/{name}.why", "w") as f:
                    f.write(json.dumps(r) + "\n")
    # a workload the diff never reported (it stopped early) is an error
    tally["error"] += n - len(seen)
    tally["varied"] = varied
    table[c] = tally
print(f"conformance: {n} random workloads (seeds {os.environ['FIRST']}-{os.environ['LAST']}) "
      f"x {len(configs)} configurations against the live kernel")
print(f"{'configuration':<14} {'equal':>7} {'different':>10} {'inconclusive':>13} {'error':>6}"
      "   (equal: of them, equal to a second kernel run after the first differed)")
for c in configs:
    t = table[c]
    print(f"{c:<14} {t['equal']:>7} {t['different']:>10} {t['inconclusive']:>13} {t['error']:>6}"
          f"   ({t['varied']} after a rerun: the kernel varied)")
    if t["different"] or t["error"]:
        rc = 1
    elif t["inconclusive"] and rc == 0:
        rc = 3
kept = [d for d in ("different", "inconclusive", "error") if os.path.isdir(f"{out}/{d}")]
if kept:
    print("kept for replay (ksmlab diff --config CONFIG FILE): " +
          ", ".join(f"{out}/{d}/" for d in kept))
tot = {k: sum(table[c][k] for c in configs) for k in ("equal", "different", "inconclusive", "error", "varied")}
print(f"SUMMARY: conformance: {n * len(configs)} workload runs, {tot['equal']} equal "
      f"({tot['varied']} of them to a second kernel run, the kernel's first run differing), "
      f"{tot['different']} different, {tot['inconclusive']} inconclusive, {tot['error']} errors")
sys.exit(rc)
PYEOF
