"""Load test of the served application: gunicorn + PostgreSQL on loopback, a client in another process.

    .venv/bin/python bench/load.py                       # 60 s, the defaults below
    .venv/bin/python bench/load.py --seconds 20 --contacts 5000 --entries 50000
    .venv/bin/python bench/load.py --profile var/profile # cProfile in every gunicorn worker

One command: starts a throwaway PostgreSQL (bin/pg-test-cluster), migrates, seeds (demo data,
then --contacts contacts and --entries skewed log entries, users with API tokens and signed-in
sessions: bench/load_seed.py), starts gunicorn with the production settings bin/run uses
(DEBUG off) on a free loopback port, and runs bench/load_client.py (stdlib asyncio, HTTP/1.1
keep-alive, --connections connections, --seconds after a short warm-up) in another process.
The client mixes reads (contact list through the API and the page, contact card, the log with
a filter, a contact's entries, contact statistics) and writes (POST /api/v1/interactions).
Then the same client runs for --baseline-seconds against a minimal WSGI app on the same
gunicorn settings (bench/load_baseline.py: a constant answer, and the contact list's SQL
through psycopg), so the figures are ratios too. Prints per kind requests/s, p50/p95/p99 and
errors (every non-2xx is one, printed), and the machine's load average (other processes share
the cores). Everything started is stopped on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(text: str) -> None:
    print(f"load: {text}", file=sys.stderr, flush=True)


class Processes:
    """Everything this run starts, stopped in reverse order however the run ends."""

    def __init__(self) -> None:
        self.servers: list[subprocess.Popen[bytes]] = []
        self.pg_dir = ""

    def start_pg(self) -> dict[str, str]:
        out = subprocess.run(
            [str(ROOT / "bin" / "pg-test-cluster"), "start"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        env = {}
        for line in out.splitlines():
            words = shlex.split(line)
            if words and words[0] == "export":
                for word in words[1:]:
                    name, _, value = word.partition("=")
                    env[name] = value
        self.pg_dir = env["RAPPORT_PG_DIR"]
        return env

    def start_server(self, args: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                args, env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True
            )
        self.servers.append(proc)

    def stop_servers(self) -> None:
        for proc in reversed(self.servers):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.servers):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.servers = []

    def stop_all(self) -> None:
        self.stop_servers()
        if self.pg_dir:
            subprocess.run(
                [str(ROOT / "bin" / "pg-test-cluster"), "stop", self.pg_dir],
                capture_output=True,
                check=False,
            )
            self.pg_dir = ""


def wait_until_up(port: int, path: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited; its log:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer; its log:\n{log.read_text()[-3000:]}")


def gunicorn_args(app: str, port: int, args: argparse.Namespace) -> list[str]:
    cmd = [GUNICORN, app, "-b", f"127.0.0.1:{port}", "--workers", str(args.workers)]
    if args.worker_class == "gthread":
        cmd += ["--worker-class", "gthread", "--threads", str(args.threads)]
    return cmd


def run_client(
    plan: Path, port: int, seconds: float, args: argparse.Namespace, out: Path, only: str = ""
) -> Any:
    subprocess.run(
        [
            PY,
            str(ROOT / "bench" / "load_client.py"),
            "--port",
            str(port),
            "--plan",
            str(plan),
            "--seconds",
            str(seconds),
            "--connections",
            str(args.connections),
            "--out",
            str(out),
            *(["--only", only] if only else []),
        ],
        check=True,
    )
    return json.loads(out.read_text())


def merged(result: dict[str, Any], write: bool) -> dict[str, Any]:
    from load_client import summary  # type: ignore[import-not-found]

    latencies: list[float] = []
    errors = 0
    for kind in result["kinds"].values():
        if kind["write"] == write:
            latencies += kind["latencies"]
            errors += kind["errors"]
    return summary(latencies, errors, [], result["seconds"])


def report(title: str, result: dict[str, Any], totals: bool = True) -> list[str]:
    lines = [
        f"{title}: {result['connections']} connections, {result['seconds']:.0f} s, "
        f"load average after {' '.join(f'{x:.2f}' for x in result['loadavg'])}",
        f"  {'kind':<26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}",
    ]

    def row(name: str, k: dict[str, Any]) -> str:
        return (
            f"  {name:<26} {k['rate']:>8.1f} {k['p50_ms']:>8.1f} {k['p95_ms']:>8.1f} "
            f"{k['p99_ms']:>8.1f} {k['errors']:>7}"
        )

    for name, kind in result["kinds"].items():
        lines.append(row(name, kind))
    if totals:
        lines.append(row("= all reads", merged(result, write=False)))
        if any(k["write"] for k in result["kinds"].values()):
            lines.append(row("= all writes", merged(result, write=True)))
    for name, kind in result["kinds"].items():
        for sample in kind["error_samples"]:
            lines.append(f"  ! {name}: {sample}")
    return lines


def print_profile(directory: Path, top: int) -> None:
    import pstats

    files = [str(p) for p in directory.glob("*.prof")]
    if not files:
        say("no profiles were written")
        return
    stats = pstats.Stats(*files)
    stats.strip_dirs()
    print(f"\nprofile of every worker ({len(files)} files in {directory}):")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--write-share", type=float, default=0.1)
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("RAPPORT_WEB_WORKERS", "2"))
    )
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--conn-max-age", type=int, default=None, help="override the database URL's conn_max_age"
    )
    parser.add_argument("--profile", default="", help="write cProfile files here and print the top")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument(
        "--reuse",
        default="",
        metavar="PLAN",
        help="skip PostgreSQL and seeding: use $DATABASE_URL, seeded before with "
        "bench/load_seed.py --out PLAN",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))

    def on_term(signum: int, frame: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_term)
    # Even when started in the background (where a shell ignores SIGINT), Ctrl-C stops the run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="rapport-load-"))
    try:
        uptime_before = os.getloadavg()
        if args.reuse:
            pg = {"DATABASE_URL": os.environ["DATABASE_URL"]}
        else:
            say("starting PostgreSQL")
            pg = procs.start_pg()
        db_url = pg["DATABASE_URL"]
        if args.conn_max_age is not None:
            db_url += ("&" if "?" in db_url else "?") + f"conn_max_age={args.conn_max_age}"
        env = {k: v for k, v in os.environ.items() if k != "RAPPORT_DEBUG"}
        env.update(
            DATABASE_URL=db_url,
            RAPPORT_VAR_DIR=str(tmp / "var"),
            RAPPORT_SECRET_KEY=secrets.token_urlsafe(40),
            DJANGO_SETTINGS_MODULE="rapport.settings",
            PYTHONPATH=str(ROOT),
        )
        plan_file = Path(args.reuse) if args.reuse else tmp / "plan.json"
        subprocess.run(
            [PY, "manage.py", "compile_translations"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        if not args.reuse:
            say(f"seeding {args.contacts:,} contacts and {args.entries:,} entries")
            seed_cmd = [
                PY,
                str(ROOT / "bench" / "load_seed.py"),
                "--contacts",
                str(args.contacts),
                "--entries",
                str(args.entries),
                "--write-share",
                str(args.write_share),
                "--out",
                str(plan_file),
            ]
            subprocess.run(seed_cmd, env=env, cwd=ROOT, check=True)
        plan = json.loads(plan_file.read_text())
        # Sessions are signed with the key the seeding used.
        env["RAPPORT_SECRET_KEY"] = plan["secret_key"]
        say(f"seeded in {plan['seconds']} s: {plan['counts']}")

        app = "rapport.wsgi"
        if args.profile:
            profile_dir = Path(args.profile).resolve()
            profile_dir.mkdir(parents=True, exist_ok=True)
            for old in profile_dir.glob("*.prof"):
                old.unlink()
            env["RAPPORT_PROFILE_DIR"] = str(profile_dir)
            app = "bench.load_profile:application"
        port = free_port()
        log = tmp / "gunicorn.log"
        procs.start_server(gunicorn_args(app, port, args), env, log)
        wait_until_up(port, "/health", procs.servers[-1], log)
        say(f"gunicorn up on 127.0.0.1:{port}; loading for {args.seconds:.0f} s")
        result = run_client(plan_file, port, args.seconds, args, tmp / "result.json")
        procs.stop_servers()

        say(f"baseline for {args.baseline_seconds:.0f} s")
        base_plan = tmp / "baseline-plan.json"
        base_plan.write_text(
            json.dumps(
                {
                    "kinds": {
                        "raw WSGI, constant": {
                            "weight": 0.5,
                            "requests": [{"method": "GET", "path": "/hello", "headers": {}}],
                        },
                        "raw WSGI, contact SQL": {
                            "weight": 0.5,
                            "requests": [
                                {"method": "GET", "path": f"/contacts?page={p}", "headers": {}}
                                for p in range(1, 40)
                            ],
                        },
                    }
                }
            )
        )
        base_env = dict(env, BASELINE_DSN=pg["DATABASE_URL"])
        base_port = free_port()
        procs.start_server(
            gunicorn_args("bench.load_baseline:application", base_port, args), base_env, log
        )
        wait_until_up(base_port, "/hello", procs.servers[-1], log)
        # One kind at a time: the constant answer alone is the HTTP stack's ceiling.
        baseline: dict[str, Any] = {}
        for only in ("raw WSGI, constant", "raw WSGI, contact SQL"):
            part = run_client(
                base_plan, base_port, args.baseline_seconds / 2, args, tmp / "base.json", only
            )
            baseline = {**part, "kinds": {**baseline.get("kinds", {}), **part["kinds"]}}
        procs.stop_servers()

        reads = merged(result, write=False)
        raw_sql = baseline["kinds"]["raw WSGI, contact SQL"]
        raw_const = baseline["kinds"]["raw WSGI, constant"]
        lines = [
            "",
            f"Rapport load test, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{os.cpu_count()} cores shared by client, gunicorn and PostgreSQL",
            f"data: {plan['counts']['contacts']:,} contacts, {plan['counts']['entries']:,} "
            f"entries; gunicorn {args.workers} x {args.worker_class}"
            + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
            + f"; load average before {' '.join(f'{x:.2f}' for x in uptime_before)}",
            "queries per request (Django test client, counted when seeding): "
            + ", ".join(f"{k} {v}" for k, v in plan["queries"].items()),
            "",
            *report("Rapport", result),
            "",
            *report("baseline (same gunicorn, same client)", baseline, totals=False),
            "",
            f"reads: {reads['rate']:.0f} req/s (target >= 800), p99 {reads['p99_ms']:.1f} ms "
            f"(target < 50); errors {sum(k['errors'] for k in result['kinds'].values())}",
            f"ratios (req/s over Rapport's reads): raw WSGI constant "
            f"{raw_const['rate'] / max(reads['rate'], 1e-9):.1f}x, raw contact-list SQL "
            f"{raw_sql['rate'] / max(reads['rate'], 1e-9):.1f}x",
        ]
        print("\n".join(lines))
        if args.json:
            for res in (result, baseline):
                for kind in res["kinds"].values():
                    kind.pop("latencies", None)
            Path(args.json).write_text(
                json.dumps(
                    {
                        "rapport": result,
                        "baseline": baseline,
                        "plan_counts": plan["counts"],
                        "queries": plan["queries"],
                        "args": vars(args),
                    },
                    indent=1,
                )
            )
        if args.profile:
            print_profile(Path(args.profile), 30)
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
