#!/usr/bin/env python3
# A fleet of sample kernels booted, left idle, stopped with SIGTERM (docs/PERFORMANCE.md, density and
# stopping): boot time, RSS, threads, idle CPU, time from SIGTERM to the last "vm ended" line and exit.
# usage: fleet_stop.py DIR N [MEM]: boot --fleet=N, wait for every banner, SIGTERM, time to exit, classify end lines
import subprocess, sys, time, signal, os, threading, re, collections
d, n = sys.argv[1], int(sys.argv[2]); mem = sys.argv[3] if len(sys.argv) > 3 else "64"
t0 = time.monotonic()
p = subprocess.Popen([d + "/lguest-actors", "--fleet=%d" % n, mem], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/tmp")
prompts = set(); lines = []; stamps = []; first_prompt = threading.Event(); all_up = threading.Event()
def err():
    for raw in p.stderr:
        l = raw.decode(errors="replace").rstrip("\n"); lines.append(l); stamps.append(time.monotonic())
        m = re.match(r"\[(guest-\d+)\] LguestActors sample kernel", l)
        if m:
            prompts.add(m.group(1))
            if len(prompts) >= n - 1: all_up.set()
def out():
    buf = b""
    for chunk in iter(lambda: p.stdout.read1(4096), b""):
        buf += chunk
        if b"lguest> " in buf: first_prompt.set()
threading.Thread(target=err, daemon=True).start(); threading.Thread(target=out, daemon=True).start()
all_up.wait(1800); first_prompt.wait(60)
boot = time.monotonic() - t0
rss = int([l for l in open("/proc/%d/status" % p.pid) if l.startswith("VmRSS")][0].split()[1]) // 1024
threads = len(os.listdir("/proc/%d/task" % p.pid))
time.sleep(5)
cpu0 = sum(int(x) for x in open("/proc/%d/stat" % p.pid).read().split(")")[1].split()[11:13]); t1 = time.monotonic()
time.sleep(10)
cpu1 = sum(int(x) for x in open("/proc/%d/stat" % p.pid).read().split(")")[1].split()[11:13]); t2 = time.monotonic()
idle = (cpu1 - cpu0) / os.sysconf("SC_CLK_TCK") / (t2 - t1)
ts = time.monotonic(); p.send_signal(signal.SIGTERM); code = p.wait(600); stop = time.monotonic() - ts
time.sleep(0.5)
ends = collections.Counter(re.sub(r"vm guest-\d+ ended: ", "", l) for l in lines if " ended: " in l)
print("N=%d boot(all prompts) %.1fs RSS %d MiB threads %d idle %.3f cores; SIGTERM->exit %.2fs code %d; load %s" % (n, boot, rss, threads, idle, stop, code, open("/proc/loadavg").read().split()[0]))
for k, v in ends.most_common(): print("   %5d  %s" % (v, k))
print("   last line:", lines[-1] if lines else None)
ended = [t - ts for l, t in zip(lines, stamps) if " ended: " in l and t >= ts]
if ended: print("   end lines from SIGTERM: first %.2fs, last %.2fs; exit %.2fs" % (min(ended), max(ended), stop))
