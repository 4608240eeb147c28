#!/usr/bin/env python3
"""Opens N keep-alive HTTP/1.1 connections to HOST:PORT, sends one GET / on each and reads the
answer, then keeps them all open and idle; after --settle seconds prints the RSS (MiB) of
--hold-pid and its children, then how many connections answered, and closes them.

    idle_conns.py HOST PORT N [--hold-pid PID] [--settle SECONDS]
"""
import argparse
import asyncio
import os
import resource

REQUEST = b"GET / HTTP/1.1\r\nHost: bench.test\r\n\r\n"


async def one(host, port, held):
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(REQUEST)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        held.append(writer)
        return head.startswith(b"HTTP/1.1 2")
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return False


def rss_mib(pid):
    total = 0
    pids = [pid] + [int(p) for p in os.popen(f"pgrep -P {pid}").read().split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total // 1024


async def main():
    args = argparse.ArgumentParser()
    args.add_argument("host")
    args.add_argument("port", type=int)
    args.add_argument("n", type=int)
    args.add_argument("--hold-pid", type=int, default=0)
    args.add_argument("--settle", type=float, default=3.0)
    a = args.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, a.n + 100)), hard))
    held = []
    ok = 0
    for start in range(0, a.n, 500):  # in batches, so the listen backlog never overflows
        results = await asyncio.gather(*(one(a.host, a.port, held) for _ in range(min(500, a.n - start))))
        ok += sum(results)
    await asyncio.sleep(a.settle)
    rss = rss_mib(a.hold_pid) if a.hold_pid else 0
    for w in held:
        w.close()
    print(f"{rss} {ok}")


asyncio.run(main())
