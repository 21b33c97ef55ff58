#!/usr/bin/env python3
# Start-up phases side by side (docs/PERFORMANCE.md, start-up): each DIR is a published host
# (dotnet publish src/Host -c Release -o DIR); runs alternate; prints the median first console byte.
# usage: startup_timings.py RUNS LABEL=DIR[:ENV=V,...] ...   (TV=-v for every phase)
import subprocess, sys, statistics, re, os, collections
runs=int(sys.argv[1]); variants=[]
for a in sys.argv[2:]:
    label,rest=a.split('=',1)
    d,_,envs=rest.partition(':')
    env=dict(os.environ)
    for kv in filter(None,envs.split(',')):
        k,v=kv.split('=',1); env[k]=v
    variants.append((label,d,env))
data={v[0]:collections.OrderedDict() for v in variants}
for r in range(runs):
    for label,d,env in variants:
        p=subprocess.run([d+"/lguest-actors","--timings","64","--","run=selftest"],input=b"",capture_output=True,cwd="/tmp",env=env)
        for line in p.stderr.decode().splitlines():
            m=re.match(r"\s+(.+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s+(\d+)\s+([\d.]+))?\s*$",line)
            if m:
                data[label].setdefault(m.group(1),[]).append((float(m.group(2)),float(m.group(3)),float(m.group(4)),float(m.group(5))))
for label,_,_ in variants:
    v=data[label]
    fb=v.get("guest: first console byte",[])
    print("== %-12s first byte: wall median %6.0f (min %4.0f)  cpu median %5.0f (min %4.0f)  n=%d"%(label,statistics.median(x[1] for x in fb),min(x[1] for x in fb),statistics.median(x[3] for x in fb),min(x[3] for x in fb),len(fb)))
    if '-v' in os.environ.get('TV',''):
        for k,x in v.items():
            print("     %-36s wall %6.1f cpu %6.1f"%(k,statistics.median(a[0] for a in x),statistics.median(a[2] for a in x)))
