#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# results.sh [--linux] [KSMLAB] - the expected results of the shipped
# workloads and the found reproducers, as CSV on stdout: workloads/results.csv is this output,
# committed, and a change in it must be explained in the commit.
#
# Every workload has a `ref` row: ref's own counters at convergence
# (`ksmlab run -b ref`, the faithful configuration).  With --linux (root,
# the host's KSM) each also gets a `linux` row measured on the live kernel
# by `ksmlab diff --json`, its kernel release in the `kernel` column and
# the oracle's word in `note`: empty when ref and the kernel made the same
# decisions after every scan, "ref only: REASON" for a row only ref can
# produce (an expect-different workload, e.g. node placement on a host
# with one node), "per-process only: ..." when other processes used the
# host's KSM, "DIFFERENT: ..." otherwise.  Suite 41 regenerates the ref
# rows, and checks that every ref row and its linux row with an empty note
# agree in every column.
set -eu
cd "$(dirname "$0")/../.."
linux=0
if [ "${1:-}" = --linux ]; then
	linux=1
	shift
fi
ksmlab=${1:-build/ksmlab}
# SKIP: workload names to leave out (their CSV rows are not produced)
skip=" ${SKIP:-} "
echo "workload,source,kernel,scans,pages_shared,pages_sharing,pages_unshared,pages_volatile,stable_node_chains,stable_node_dups,ksm_zero_pages,rmap_items,general_profit,merging_pages_per_space,note"
row='
import json, sys
def row(r, source, kernel, note):
    c = r["counters"]
    keys = ["pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
            "stable_node_chains", "stable_node_dups", "ksm_zero_pages",
            "rmap_items", "general_profit"]
    mm = ";".join("%s=%s" % (s["name"], s["ksm_merging_pages"] if s["live"] else "exited")
                  for s in r["spaces"])
    note = note.replace(",", ";").replace("\n", " ")
    print(",".join([r["workload"], source, kernel, str(r["scans"])] +
                   [str(c[k]) for k in keys] + [mm, note]))
'
# the shipped workloads, and the reproducers of differences once found
# (harness/tests/found/: ref must keep giving the kernel's answer)
for wl in workloads/*.wl harness/tests/found/*.wl; do
	case $skip in *" $(basename "$wl" .wl) "*) continue ;; esac
	"$ksmlab" run -q -b ref --json "$wl" | /usr/bin/python3 -c "$row
row(json.load(sys.stdin), 'ref', '-', '')"
	[ $linux = 1 ] || continue
	"$ksmlab" diff -q --json --config faithful --wait-quiet 60 "$wl" |
		KERNEL="$(uname -r)" /usr/bin/python3 -c "$row
import os
d = json.load(sys.stdin)[0]
v = d['verdict']
note = {'equal': '', 'expected': 'ref only: ' + d['reason'],
        'inconclusive': d['reason']}.get(v, 'DIFFERENT: ' + d['trajectory'] + ' ' + d['spaces'])
if d.get('kernel_varied'):
    note = ''
row(d['runs']['linux'], 'linux', os.environ['KERNEL'], note)"
done
