#!/bin/sh
# Compares builds of recon on matchbench's one-to-one database, alternating
# with sqlite3's join that writes its pairs, each run on a fresh synced copy.
#
#   sh bench/o2o_builds.sh DIR ROUNDS RECON...
#
# DIR: a `matchbench --only one_to_one --dir X` run's X/one_to_one (its
# base.db, onetoone.ini, pairs.sql), made with the oldest build compared
# (a newer build upgrades a copy first, untimed; an older one would refuse
# a newer schema). Prints one line a run: "NAME wall_s cpu_s peak_rss_kib",
# NAME being "join" or the build's path, then the medians and each
# build's ratio to the join's median.
set -eu
dir=$1 rounds=$2
shift 2
cd "$dir"
i=0
for r in "$@"; do # a base per build, at its own schema
    i=$((i + 1))
    cp base.db "base-$i.db"
    rm -f "base-$i.db-wal" "base-$i.db-shm"
    "$r" --db "base-$i.db" status >/dev/null
done
out=$(mktemp)
trap 'rm -f "$out" w.db w.db-wal w.db-shm; i=0; for r in "$@"; do i=$((i + 1)); rm -f "base-$i.db"*; done' EXIT
run() { # NAME BASE CMD...
    name=$1 base=$2
    shift 2
    cp "$base" w.db
    rm -f w.db-wal w.db-shm
    sync
    /usr/bin/time -f "$name %e %U %S %M" -o time.out "$@" >/dev/null
    awk '{ printf "%s %s %.2f %s\n", $1, $2, $3 + $4, $5 }' time.out | tee -a "$out"
}
for _ in $(seq 1 "$rounds"); do
    run join base.db sh -c 'sqlite3 w.db < pairs.sql'
    i=0
    for r in "$@"; do
        i=$((i + 1))
        run "$r" "base-$i.db" "$r" --db w.db match --rules onetoone.ini
    done
done
rm -f time.out
awk '{ w[$1] = w[$1] " " $2; c[$1] = c[$1] " " $3; m[$1] = $4 > m[$1] ? $4 : m[$1] }
     END { for (k in w) print k, w[k], "|", c[k], "|", m[k] }' "$out" |
    python3 -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    name, rest = line.split(" ", 1)
    wall, cpu, rss = rest.split("|")
    rows[name] = ([float(x) for x in wall.split()], [float(x) for x in cpu.split()], int(rss))
join = statistics.median(rows["join"][0])
for name, (wall, cpu, rss) in rows.items():
    w = statistics.median(wall)
    print(f"{name}: wall {wall} median {w:.2f} s, CPU median {statistics.median(cpu):.2f} s,"
          f" peak RSS {rss // 1024} MiB, / join {w / join:.2f}")
'
