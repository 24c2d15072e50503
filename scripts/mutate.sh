#!/bin/sh
# Mutation check (make mutate): applies each change of scripts/mutations.txt
# in turn to a scratch copy of the tree (the working files, committed or
# not), rebuilds it and runs the named test, which must fail: a bug the
# suite does not catch is a test to write. Prints one line per mutation
# and the score; exits 1 if any mutation survived or could not be applied.
# usage: scripts/mutate.sh [LIST]   (default scripts/mutations.txt)
set -eu
LIST=${1:-scripts/mutations.txt}
ROOT=$(pwd)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/herd-mutate.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT INT TERM
TREE="$SCRATCH/tree"
B="$SCRATCH/build"
mkdir -p "$TREE"
git ls-files -z | (cd "$ROOT" && xargs -0 cp --parents -p -t "$TREE")
echo "mutate: building the scratch copy once"
(cd "$TREE" && make -s B="$B" build-all build-tests) >"$SCRATCH/build.log" \
    2>&1 || { tail -30 "$SCRATCH/build.log"; echo "mutate: the unmutated" \
    "tree does not build"; exit 1; }

caught=0
total=0
bad=0

# Replaces the one occurrence of $OLD with $NEW in file $1 (\n, \t escapes);
# exits 3 if $OLD is not found exactly once.
apply() {
	perl -0777 -i -pe '
		BEGIN { for my $v (@ENV{qw(OLD NEW)}) { $v =~ s/\\n/\n/g;
		    $v =~ s/\\t/\t/g; } }
		my $n = () = /\Q$ENV{OLD}\E/g;
		if ($n != 1) { print STDERR "found $n times\n"; exit 3; }
		s/\Q$ENV{OLD}\E/$ENV{NEW}/;' "$1"
}

# Mutates, builds, runs; prints the outcome of the mutation just read.
run_one() {
	total=$((total + 1))
	bin=${test%% *}
	case=${test#* }
	f="$TREE/$file"
	cp -p "$f" "$SCRATCH/orig"
	if ! OLD=$old NEW=$new apply "$f" 2>"$SCRATCH/apply.log"; then
		echo "ERROR    $name: $file: old text $(cat "$SCRATCH/apply.log")"
		bad=$((bad + 1))
		cp "$SCRATCH/orig" "$f"
		return
	fi
	if ! (cd "$TREE" && make -s B="$B" build-all build-tests) \
	    >"$SCRATCH/build.log" 2>&1; then
		echo "ERROR    $name: does not build"
		tail -5 "$SCRATCH/build.log"
		bad=$((bad + 1))
	else
		(cd "$TREE" && HERD_BUILD="$B" timeout 600 "$B/tests/$bin") \
		    >"$SCRATCH/test.log" 2>&1 && rc=0 || rc=$?
		if grep -qF "[  FAILED  ] $case" "$SCRATCH/test.log"; then
			echo "caught   $name ($bin: $case failed)"
			caught=$((caught + 1))
		elif [ "$rc" -eq 124 ]; then
			echo "caught   $name ($bin timed out)"
			caught=$((caught + 1))
		else
			echo "SURVIVED $name ($bin: $case did not fail, exit $rc)"
			bad=$((bad + 1))
		fi
	fi
	cp "$SCRATCH/orig" "$f"
	touch "$f" # newer than its object: the next build restores it
}

name= file= old= new= test=
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'#'*) continue ;;
	'name: '*) name=${line#name: } ;;
	'file: '*) file=${line#file: } ;;
	'old: '*) old=${line#old: } ;;
	'new: '*) new=${line#new: } ;;
	'test: '*) test=${line#test: }
		run_one
		name= file= old= new= test= ;;
	'') ;;
	*) echo "mutate: $LIST: cannot read: $line"; exit 1 ;;
	esac
done <"$LIST"
echo "mutate: $caught of $total mutations caught"
[ "$bad" -eq 0 ]
