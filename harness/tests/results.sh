#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# results.sh [KSMLAB] - the ref backend's counters at convergence for every
# shipped workload, as CSV on stdout (workloads/results.csv is this output,
# committed: a change in it must be explained in the commit).
set -eu
cd "$(dirname "$0")/../.."
ksmlab=${1:-build/ksmlab}
# SKIP: workload names to leave out (their CSV rows are not produced)
skip=" ${SKIP:-} "
echo "workload,scans,pages_shared,pages_sharing,pages_unshared,pages_volatile,stable_node_chains,stable_node_dups,ksm_zero_pages,rmap_items,general_profit,merging_pages_per_space"
for wl in workloads/*.wl; do
	case $skip in *" $(basename "$wl" .wl) "*) continue ;; esac
	"$ksmlab" run -q -b ref --json "$wl" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
c = r["counters"]
keys = ["pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
        "stable_node_chains", "stable_node_dups", "ksm_zero_pages", "rmap_items",
        "general_profit"]
mm = ";".join("%s=%s" % (s["name"], s["ksm_merging_pages"] if s["live"] else "exited")
              for s in r["spaces"])
print(",".join([r["workload"], str(r["scans"])] + [str(c[k]) for k in keys] + [mm]))'
done
