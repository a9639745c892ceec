#!/bin/bash -eu
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# OSS-Fuzz / ClusterFuzzLite build of ksmlab's fuzz targets.
# Uses only what the OSS-Fuzz builder sets: $CC $CFLAGS $CXX $CXXFLAGS
# $LIB_FUZZING_ENGINE $SRC $WORK $OUT (run from anywhere; the repository is
# the directory two levels up from this script).  Produces $OUT/<target>,
# $OUT/<target>_seed_corpus.zip and $OUT/<target>.options.
# libnuma is linked statically: the runner image does not have it.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

# the core's translation units, from the list Kbuild and make share
core=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' ksm_core/sources.mk |
	sed -n 's/^KSML_CORE_SRCS *:= *//p')
core_src=""
for f in $core; do core_src="$core_src ksm_core/$f"; done
user_src=$(ls ksm_core/platform/user/*.c)
sim_src="$core_src ksm_core/platform/user/rbtree.c ksm_core/platform/sim/platform_sim.c"
flags="$CFLAGS -std=c11 -D_GNU_SOURCE -Iksm_core -Ifuzz"
numa_lib="-l:libnuma.a"
[ -e /usr/lib/x86_64-linux-gnu/libnuma.a ] || [ -e /usr/lib/libnuma.a ] || numa_lib="-lnuma"

build_objs() { # dir extra-flags sources... -> echoes the object list
	local dir=$1 extra=$2 f o objs=""
	shift 2
	mkdir -p "$WORK/$dir"
	for f in "$@"; do
		o=$WORK/$dir/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')
		# shellcheck disable=SC2086
		$CC $flags $extra -c "$f" -o "$o"
		objs="$objs $o"
	done
	echo "$objs"
}

# shellcheck disable=SC2086
user_objs=$(build_objs user "" $core_src $user_src)
# shellcheck disable=SC2086
sim_objs=$(build_objs sim "-DKSML_PLATFORM_SIM" $sim_src)
wl_objs=""
if [ -f harness/workload.c ] && [ -f harness/workload.h ]; then
	wl_flags=""
	grep -qs '^#define _GNU_SOURCE' harness/workload.c && wl_flags="-U_GNU_SOURCE"
	wl_objs=$(build_objs wl "$wl_flags" harness/workload.c)
fi

link() { # target extra-flags objs libs
	local t=$1 extra=$2 objs=$3 libs=$4
	# shellcheck disable=SC2086
	$CC $flags $extra -c "fuzz/$t.c" -o "$WORK/$t.o"
	# shellcheck disable=SC2086
	$CXX $CXXFLAGS "$WORK/$t.o" $objs $LIB_FUZZING_ENGINE -o "$OUT/$t" $libs -lpthread
	if [ -d "fuzz/corpus/$t" ] && [ -n "$(ls "fuzz/corpus/$t")" ]; then
		rm -f "$OUT/${t}_seed_corpus.zip"
		(cd "fuzz/corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
	fi
	printf '[libfuzzer]\ntimeout = 30\nmax_len = 4096\n' >"$OUT/$t.options"
	echo "built $OUT/$t"
}

link fuzz_ops "" "$user_objs" "$numa_lib"
link fuzz_trees "" "$user_objs" "$numa_lib"
link fuzz_threads "" "$user_objs" "$numa_lib"
link fuzz_race "-DKSML_PLATFORM_SIM" "$sim_objs" ""
[ -n "$wl_objs" ] && link fuzz_workload "" "$wl_objs" ""
exit 0
