#!/usr/bin/env python3
"""Minimal ICMP echo client (for machines without ping): icmp_ping.py ADDR [count]. Needs root."""
import os, socket, struct, sys, time

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data)//2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

addr, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.settimeout(2)
ident, got = os.getpid() & 0xFFFF, 0
for seq in range(1, count + 1):
    payload = bytes(range(56))
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload
    t0 = time.perf_counter()
    sock.sendto(packet, (addr, 0))
    try:
        while True:
            data, _ = sock.recvfrom(2048)
            ihl = (data[0] & 15) * 4
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ == 0 and rid == ident and rseq == seq:
                got += 1
                print(f"{len(data) - ihl} bytes from {addr}: icmp_seq={seq} time={(time.perf_counter() - t0) * 1000:.3f} ms")
                break
    except socket.timeout:
        print(f"icmp_seq={seq} timed out")
print(f"{count} transmitted, {got} received")
sys.exit(0 if got == count else 1)
