#!/usr/bin/env bats
# The build: make install puts every tool and man page under PREFIX.

load helper

@test "make install: binaries and man pages under DESTDIR/PREFIX" {
	root="$BATS_TEST_DIRNAME/.."
	b=$(basename "${MB_BIN:-$root/build}")
	run make -s -C "$root" install B="$b" DESTDIR="$BATS_TEST_TMPDIR/dest" PREFIX=/opt/mb
	assert_success
	for t in "$root"/bin/mb-*.c; do
		t=$(basename "$t" .c)
		[ -x "$BATS_TEST_TMPDIR/dest/opt/mb/bin/$t" ]
		[ -f "$BATS_TEST_TMPDIR/dest/opt/mb/share/man/man1/$t.1" ]
	done
	[ -f "$BATS_TEST_TMPDIR/dest/opt/mb/share/man/man7/mb.7" ]
	[ ! -e "$BATS_TEST_TMPDIR/dest/opt/mb/bin/libmb-check" ]
}

@test "make with a library missing names its Debian packages and the make deps line" {
	root="$BATS_TEST_DIRNAME/.."
	# headers that fail as missing ones do: a machine without libcsv-dev
	# and libxxhash-dev
	mkdir "$BATS_TEST_TMPDIR/fake"
	echo '#error "No such file or directory"' > "$BATS_TEST_TMPDIR/fake/csv.h"
	cp "$BATS_TEST_TMPDIR/fake/csv.h" "$BATS_TEST_TMPDIR/fake/xxhash.h"
	run make -s -C "$root" B="$BATS_TEST_TMPDIR/b" CC="cc -I$BATS_TEST_TMPDIR/fake"
	assert_failure 2
	assert_line --index 0 "mb: the build needs these Debian packages: libcsv-dev libxxhash-dev"
	assert_line --index 1 "mb: run 'make deps' as root to install them (or: sudo apt-get install -y libcsv-dev libxxhash-dev)"
	refute_output --partial "error:"
	[ ! -e "$BATS_TEST_TMPDIR/b/libmb.a" ]
}

@test "every man page is valid mdoc with EXIT STATUS and EXAMPLES" {
	command -v mandoc > /dev/null || skip "mandoc not installed"
	for m in "$BATS_TEST_DIRNAME"/../man/*.[1-9]; do
		run mandoc -Tlint -Wwarning "$m"
		assert_output ""
		grep -q '^\.Sh EXIT STATUS' "$m" || [ "${m##*.}" != 1 ]
		grep -q '^\.Sh EXAMPLES' "$m"
	done
}

@test "every tool answers --help on stdout and --version, status 0" {
	for t in "$BATS_TEST_DIRNAME"/../bin/mb-*.c; do
		t=$(basename "$t" .c)
		run "$t" --help
		assert_success
		[[ "${lines[0]}" == "usage: $t"* ]]
		run "$t" --version
		assert_success
		assert_output --regexp "^$t [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "the project stands alone: nothing refers to a folder beside it" {
	root="$BATS_TEST_DIRNAME/.."
	run grep -rlE '\.\./(\.\./)*shared' "$root/README.md" "$root/Makefile" \
		"$root/man" "$root/tests" "$root/pipelines" "$root/bench" "$root/bin" "$root/lib"
	assert_output ""
}

@test "the project's Online Retail copy is whole: 305 days, 541,909 rows, the source's md5" {
	run bash -c "ls '$RETAIL' | grep -c '^20[0-9-]*\.csv\.zst\$'"
	assert_output 305
	run bash -c "zstd -dcq '$RETAIL'/*.csv.zst | md5sum"
	assert_output "16603dbcca00b3683fb48f9d51746241  -"
	run bash -c "zstd -dcq '$RETAIL'/*.csv.zst | grep -vc '^InvoiceNo,'"
	assert_output 541909
}
