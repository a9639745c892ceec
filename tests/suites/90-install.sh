#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 90-install: `make install` into a DESTDIR under build/, then, from that
# tree only: a C consumer built with `pkg-config --cflags --libs ksmlab`
# (shared, and static with --static) merges two identical pages through
# the public API; it includes every installed header and nothing else; the
# installed ksmlab runs a shipped workload on ref and finds its LD_PRELOAD
# shim; both man pages render without a groff warning and name every
# command of `ksmlab --help`; the bash completion offers every command and
# exactly the options of each command's --help; `make uninstall` leaves
# no file behind; debian/changelog carries VERSION.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB" build/libksmcore.so build/libksm_preload.so
[ -f build/libksmcore.a ] || fail "build/libksmcore.a not built (make test-build)"
for t in pkg-config groff man gcc; do
	command -v "$t" >/dev/null || skip "$t not installed (make deps-test installs it)"
done
dest=$PWD/build/install-test
prefix=/usr/local
rm -rf "$dest"
trap 'rm -rf "$dest"' EXIT
make --no-print-directory -s install DESTDIR="$dest" PREFIX="$prefix" >"$dest.log" 2>&1 ||
	{ cat "$dest.log"; fail "make install DESTDIR=$dest"; }
root=$dest$prefix
nfiles=$(find "$dest" \( -type f -o -type l \) | wc -l)
echo "ok make install: $nfiles files and links under $dest"

# the shared library: real name, soname links, soname in the file
lib=$root/lib
[ -f "$lib/libksmcore.so.$(cat VERSION)" ] || fail "no libksmcore.so.$(cat VERSION)"
[ "$(readlink "$lib/libksmcore.so.0")" = "libksmcore.so.$(cat VERSION)" ] || fail "libksmcore.so.0 link"
[ "$(readlink "$lib/libksmcore.so")" = libksmcore.so.0 ] || fail "libksmcore.so link"
soname=$(readelf -d "$lib/libksmcore.so.$(cat VERSION)" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libksmcore.so.0 ] || fail "soname is '$soname', want libksmcore.so.0"
echo "ok libksmcore.so.$(cat VERSION), soname $soname"

# the consumer, from the DESTDIR's pkg-config file alone
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
[ "$(pkg-config --modversion ksmlab)" = "$(cat VERSION)" ] || fail "ksmlab.pc version $(pkg-config --modversion ksmlab)"
cflags=$(pkg-config --cflags ksmlab) || fail "pkg-config --cflags ksmlab"
libs=$(pkg-config --libs ksmlab) || fail "pkg-config --libs ksmlab"
slibs=$(pkg-config --static --libs ksmlab) || fail "pkg-config --static --libs ksmlab"
grep -q -- "-I$root/include/ksmlab" <<<"$cflags" || fail "cflags '$cflags' do not point into the DESTDIR"
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Wextra -Werror -H $cflags -o "$dest/consumer" tests/install/consumer.c $libs \
	2>"$dest/includes" || { cat "$dest/includes"; fail "consumer build with: $cflags $libs"; }
# every installed header is included, and every ksmlab header comes from the DESTDIR
for h in $(cd "$root/include/ksmlab" && find . -name '*.h' | sed 's|^\./||'); do
	grep -q " $root/include/ksmlab/$h\$" "$dest/includes" || fail "installed header $h is not needed by ksml.h"
done
grep -E '^\.+ ' "$dest/includes" | grep -v "^\.* /usr/" | grep -v "^\.* $root/" &&
	fail "consumer includes headers from outside the DESTDIR and the system"
nhdr=$(find "$root/include/ksmlab" -name '*.h' | wc -l)
needed=$(readelf -d "$dest/consumer" | grep -c 'NEEDED.*libksmcore.so.0')
[ "$needed" = 1 ] || fail "consumer does not need libksmcore.so.0"
out=$(LD_LIBRARY_PATH=$lib "$dest/consumer") || fail "consumer: $out"
ldd_lib=$(LD_LIBRARY_PATH=$lib ldd "$dest/consumer" | awk '/libksmcore/ {print $3}')
[ "$ldd_lib" = "$lib/libksmcore.so.0" ] || fail "consumer loads $ldd_lib"
echo "ok consumer (shared, $nhdr headers, each one needed): $out"
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Wextra -Werror $cflags -o "$dest/consumer-static" tests/install/consumer.c \
	-Wl,-Bstatic -lksmcore -Wl,-Bdynamic ${slibs/-lksmcore/} 2>&1 ||
	fail "static consumer build with: $slibs"
readelf -d "$dest/consumer-static" | grep -q 'NEEDED.*libksmcore' && fail "static consumer needs libksmcore.so"
out=$("$dest/consumer-static") || fail "static consumer: $out"
echo "ok consumer (static, pkg-config --static): $out"

# the installed command: a shipped workload on ref, and the shim found
wl=$root/share/ksmlab/workloads/identical-1k.wl
[ "$(ls "$root/share/ksmlab/workloads" | wc -l)" = "$(ls workloads/*.wl | wc -l)" ] || fail "not every workload installed"
got=$(LD_LIBRARY_PATH= "$root/bin/ksmlab" run -q -b ref --json "$wl" >"$dest/run.json" &&
	jget "$dest/run.json" '" ".join(str(r["counters"][k]) for k in ("pages_shared","pages_sharing","pages_unshared"))') ||
	fail "installed ksmlab run -b ref $wl"
[ "$got" = "4 1020 0" ] || fail "installed ksmlab on identical-1k: $got"
shim=$("$root/bin/ksmlab" exec --help | sed -n 's/^  The shim: //p')
[ "$(realpath -m "$shim")" = "$root/lib/ksmlab/libksm_preload.so" ] || fail "installed ksmlab looks for the shim at $shim"
[ -f "$shim" ] || fail "shim $shim missing"
echo "ok installed ksmlab: identical-1k on ref $got, shim $(realpath -m "$shim" | sed "s|^$dest||")"
# the kselftest-style entry finds the installed workloads (all left out
# by --max-pages 0: nothing runs); without root or KSM it must skip (4)
(cd / && env -u KSMLAB_WORKLOADS "$root/bin/ksmlab" selftest --max-pages 0 >"$dest.st.ktap" 2>&1)
rc=$?
if [ $rc -eq 4 ]; then
	echo "ok installed ksmlab selftest: skipped here ($(sed -n 's/^1\.\.0 # //p' "$dest.st.ktap"))"
else
	[ $rc -eq 0 ] || fail "installed ksmlab selftest --max-pages 0: exit $rc"
	[ "$(grep -c '^# .*\.wl: skipped, it maps more than 0 pages' "$dest.st.ktap")" = "$(ls workloads/*.wl | wc -l)" ] ||
		fail "installed ksmlab selftest did not find the installed workloads: $(head -3 "$dest.st.ktap")"
	echo "ok installed ksmlab selftest: found the $(ls workloads/*.wl | wc -l) installed workloads"
fi

# man pages: render without warnings; ksmlab(1) names every command
for m in man1/ksmlab.1 man5/ksmlab-workload.5; do
	page=$root/share/man/$m
	[ -f "$page" ] || fail "$m not installed"
	warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$warn" ] || fail "groff warns on $m: $warn"
	lines=$(MANWIDTH=80 man -l "$page" 2>"$dest/man.err" | wc -l)
	[ -s "$dest/man.err" ] && fail "man -l $m: $(cat "$dest/man.err")"
	[ "$lines" -gt 50 ] || fail "man -l $m rendered only $lines lines"
	echo "ok $m renders ($lines lines, no warnings)"
done
text=$(MANWIDTH=200 man -l "$root/share/man/man1/ksmlab.1" 2>/dev/null)
cmds=$("$root/bin/ksmlab" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(wc -w <<<"$cmds")" -ge 8 ] || fail "could not read the commands of ksmlab --help: $cmds"
for c in $cmds; do
	grep -qE "^       $c( |$)" <<<"$text" || fail "ksmlab(1) does not describe the command '$c'"
done
echo "ok ksmlab(1) describes every command of --help: $(echo $cmds)"

# bash completion, generated from the command table of --help: it
# offers every command of --help, and each command's options are exactly
# those its own --help names, each described in ksmlab(1)
comp=$root/share/bash-completion/completions/ksmlab
[ -f "$comp" ] || fail "bash completion not installed"
bash -n "$comp" || fail "bash completion: syntax error"
# shellcheck disable=SC2016
compcmds=$(bash -c 'source "$1"; COMP_WORDS=(ksmlab ""); COMP_CWORD=1; _ksmlab; echo "${COMPREPLY[*]}"' _ "$comp")
for c in $cmds; do
	grep -qw -- "$c" <<<"$compcmds" || fail "completion does not offer the command '$c' ($compcmds)"
done
nopt=0
for c in $cmds; do
	# shellcheck disable=SC2016
	copts=$(bash -c 'source "$1"; COMP_WORDS=(ksmlab "$2" -); COMP_CWORD=2; _ksmlab; echo "${COMPREPLY[*]}"' _ "$comp" "$c")
	hopts=$("$root/bin/ksmlab" "$c" --help | grep -oE '(^|[] [(|])(-[a-z]|--[a-z][a-z-]+)\b' | grep -oE -- '-.*' | sort -u)
	for o in $copts; do
		[ "$o" = --help ] && continue
		grep -qx -- "$o" <<<"$hopts" || fail "completion offers $c $o, which ksmlab $c --help does not name"
		grep -qF -- "$o" <<<"$text" || fail "ksmlab(1) does not describe $c $o"
		nopt=$((nopt + 1))
	done
	for o in $hopts; do
		[ "$o" = --help ] && continue
		grep -qw -- "$o" <<<"$copts" || fail "ksmlab $c --help names $o, which the completion does not offer"
	done
done
for o in --version --completion; do
	grep -qw -- "$o" <<<"$compcmds" || fail "completion does not offer $o"
	grep -qF -- "$o" <<<"$text" || fail "ksmlab(1) does not describe $o"
done
[ "$("$root/bin/ksmlab" --version)" = "ksmlab $(cat VERSION)" ] || fail "ksmlab --version"
echo "ok bash completion: the $(wc -w <<<"$cmds") commands of --help and their $nopt options, each named by its --help and ksmlab(1)"

# the Debian package carries the same version (debian/rules checks it too)
if command -v dpkg-parsechangelog >/dev/null; then
	dv=$(dpkg-parsechangelog -l debian/changelog -S Version)
	[ "${dv%%-*}" = "$(cat VERSION)" ] || fail "debian/changelog version $dv, VERSION $(cat VERSION)"
	echo "ok debian/changelog version $dv = VERSION"
fi

# uninstall: nothing left but empty standard directories
make --no-print-directory -s uninstall DESTDIR="$dest" PREFIX="$prefix" >"$dest.log" 2>&1 ||
	{ cat "$dest.log"; fail "make uninstall"; }
rm -f "$dest/consumer" "$dest/consumer-static" "$dest/includes" "$dest/run.json" "$dest/man.err" "$dest.log"
left=$(find "$dest" \( -type f -o -type l \))
[ -z "$left" ] && [ -z "$(find "$dest" -path '*ksmlab*')" ] || fail "uninstall left: $left $(find "$dest" -path '*ksmlab*')"
echo "SUMMARY: make install DESTDIR: $nfiles files; pkg-config consumer (shared and static) merged 2 pages (shared 1, sharing 1); installed ksmlab ran identical-1k on ref; ksmlab(1) and ksmlab-workload(5) render without warnings; bash completion matches --help ($nopt options); uninstall left nothing"
