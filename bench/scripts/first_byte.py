#!/usr/bin/env python3
# First console byte from outside (docs/PERFORMANCE.md, start-up): from just before the process is
# spawned to the first byte on its stdout, no --timings. Each DIR is a published host
# (dotnet publish src/Host -c Release -o DIR); runs alternate; prints median and min per DIR.
# usage: first_byte.py RUNS LABEL=DIR ...
import subprocess, sys, time, statistics, os
runs = int(sys.argv[1]); variants = [a.split("=", 1) for a in sys.argv[2:]]
seen = {label: [] for label, _ in variants}
for _ in range(runs):
    for label, d in variants:
        t0 = time.perf_counter()
        p = subprocess.Popen([d + "/lguest-actors", "64", "--", "run=selftest"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/tmp")
        first = os.read(p.stdout.fileno(), 1)
        t1 = time.perf_counter()
        p.stdout.read(); code = p.wait()
        if not first or code != 0:
            sys.exit("%s: no output or exit %d" % (label, code))
        seen[label].append((t1 - t0) * 1000)
for label, _ in variants:
    v = seen[label]
    print("%-10s first console byte: median %5.0f ms  min %5.0f  max %5.0f  (n=%d)" % (label, statistics.median(v), min(v), max(v), len(v)))
print("load average:", open("/proc/loadavg").read().split()[:3])
