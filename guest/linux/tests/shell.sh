#!/bin/sh
# The native (x86-64) build of the guest's /bin/sh, fed a script on its standard input: its
# output must be exactly the expected transcript below (the temp folder and pids normalised),
# and its exit status the one `exit` asked for. Usage: shell.sh DIR-WITH-THE-NATIVE-PROGRAMS
set -eu
bin=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir sub
printf 'one\ntwo\n' > sub/f
dd if=/dev/zero of=disk.img bs=512 count=400 2>/dev/null

status=0
"$bin/sh" > out.txt 2>&1 <<INPUT || status=$?
echo hello   "big  world"  'x'
cat sub/f
ls sub
cd sub
pwd
echo saved > copy.txt
cat copy.txt
rm copy.txt
rm copy.txt
$bin/hello a exit=3
$bin/hello x87 fork-x87
nosuchcommand
disk verify 1 2
disk write 7 10 300 ../disk.img
disk verify 7 10 300 ../disk.img
disk verify 8 10 300 ../disk.img
disk write 7 390 11 ../disk.img
sleep x
exit 5
INPUT

sed -e "s|$work|WORK|g" -e "s|$bin|BIN|g" -e 's/pid [0-9]*, child of [0-9]*/pid P, child of Q/' \
    -e 's/forked child [0-9][0-9]*/forked child C/' out.txt > got.txt
cat > want.txt <<'WANT'
WORK # hello big  world x
WORK # one
two
WORK # f
WORK # WORK/sub # WORK/sub
WORK/sub # WORK/sub # saved
WORK/sub # WORK/sub # rm: copy.txt: ENOENT (no such file or directory)
WORK/sub # hello: I am pid P, child of Q, with 2 argument(s): a exit=3
WORK/sub # hello: I am pid P, child of Q, with 2 argument(s): x87 fork-x87
hello: after exec: the x87 says 355000/113 = 3142
hello: forked child: the x87 says 355000/113 = 3142
hello: forked child C exited with status 0
WORK/sub # sh: nosuchcommand: command not found (try 'help')
WORK/sub # usage: disk write|verify SEED START COUNT [DEVICE]   (the block test pattern; default /dev/vda)
WORK/sub # disk: wrote 300 sectors from 10 seed 7 to ../disk.img
WORK/sub # disk: verified 300 sectors from 10 seed 7 on ../disk.img: all match
WORK/sub # disk: verified 300 sectors from 10 seed 8 on ../disk.img: 300 bad, the first at sector 10
WORK/sub # disk: write ../disk.img: sectors 390..401 are past the end of the disk (400 sectors)
WORK/sub # usage: sleep SECONDS
WANT
printf 'WORK/sub # ' >> want.txt
if ! cmp -s got.txt want.txt; then
    echo "shell.sh: FAIL: the transcript differs (want, then got):"
    diff want.txt got.txt || true
    exit 1
fi
if [ "$status" != 5 ]; then
    echo "shell.sh: FAIL: sh exited $status, expected 5"
    exit 1
fi
echo "shell.sh: PASS"
