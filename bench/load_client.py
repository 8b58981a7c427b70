"""A bounded HTTP/1.1 load generator: stdlib asyncio, keep-alive, N connections, fixed time.

    .venv/bin/python bench/load_client.py --port 8000 --plan plan.json --seconds 60

The plan (written by bench/load_seed.py) names kinds of requests, each with a weight and a
list of concrete requests; every connection picks a kind by weight and one of its requests at
random, sends it, reads the whole response and records the time. A connection the server
closes (or that answers `Connection: close`) is reopened; the time to reconnect counts. Any
non-2xx answer is an error and its first bytes are kept. Prints one JSON object: per kind the
latencies' count, rate and percentiles, the errors, and the machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from pathlib import Path
from typing import Any


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def ensure(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        await self.ensure()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before the answer")
        status = int(status_line.split()[1])
        length = None
        chunked = close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, body


def encode(request: dict[str, Any], host: str) -> bytes:
    body = request.get("body", "").encode()
    lines = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in request["headers"].items()]
    if body or request["method"] == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = json.loads(Path(args.plan).read_text())
    host = f"127.0.0.1:{args.port}"
    names = list(plan["kinds"])
    if args.only:
        names = [n for n in names if n in args.only]
    weights = [plan["kinds"][n]["weight"] for n in names]
    encoded = {n: [encode(r, host) for r in plan["kinds"][n]["requests"]] for n in names}
    latencies: dict[str, list[float]] = {n: [] for n in names}
    errors: dict[str, list[str]] = {n: [] for n in names}
    error_counts: dict[str, int] = dict.fromkeys(names, 0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + args.warmup
    deadline = measure_from + args.seconds

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = Conn("127.0.0.1", args.port)
        while True:
            now = loop.time()
            if now >= deadline:
                break
            name = rng.choices(names, weights)[0]
            raw = rng.choice(encoded[name])
            t0 = time.perf_counter()
            try:
                status, body = await conn.request(raw)
                detail = "" if 200 <= status < 300 else f"{status} {body[:200]!r}"
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                conn.close()
                detail = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            if now < measure_from:
                continue
            if detail:
                error_counts[name] += 1
                if len(errors[name]) < 5:
                    errors[name].append(detail)
            else:
                latencies[name].append(elapsed)
        conn.close()

    await asyncio.wait_for(
        asyncio.gather(*(worker(i) for i in range(args.connections))),
        timeout=args.warmup + args.seconds + 60,
    )
    result: dict[str, Any] = {"seconds": args.seconds, "connections": args.connections, "kinds": {}}
    for name in names:
        result["kinds"][name] = summary(
            latencies[name], error_counts[name], errors[name], args.seconds
        )
        result["kinds"][name]["write"] = plan["kinds"][name].get("write", False)
    result["loadavg"] = os.getloadavg()
    return result


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summary(
    values: list[float], error_count: int, errors: list[str], seconds: float
) -> dict[str, Any]:
    values = sorted(values)
    return {
        "ok": len(values),
        "rate": len(values) / seconds,
        "p50_ms": percentile(values, 50) * 1000,
        "p95_ms": percentile(values, 95) * 1000,
        "p99_ms": percentile(values, 99) * 1000,
        "errors": error_count,
        "error_samples": errors,
        "latencies": values,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", action="append", help="a kind to send (repeat; default: all)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
