"""`concierge bench load` as an operator runs it: its own servers, many customers, a report that adds up."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_load_answers_every_conversation_and_reports_it(backend, settings) -> None:
    db = ["--db-url", settings.db.url, "--workers", "2"] if backend == "postgres" else []
    done = subprocess.run([sys.executable, "-m", "agent.cli", "bench", "load", "--conversations", "12",
                           "--settle-s", "1", "--json", *db], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["conversations"] == 12 and report["errors"] == 0, report
    assert report["workers"] == (2 if backend == "postgres" else 1)
    assert 0 < report["p50_s"] <= report["p99_s"] and report["replies_per_s"] > 0
    assert report["rss_before_mib"] > 50 and report["rss_settled_mib"] > 50  # the servers', not nothing


def test_bench_load_spreads_arrivals_at_a_rate() -> None:
    done = subprocess.run([sys.executable, "-m", "agent.cli", "bench", "load", "--conversations", "10", "--rate", "5",
                           "--settle-s", "0", "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["rate_per_s"] == 5 and report["errors"] == 0, report
    assert report["seconds"] >= 1.8  # the last of 10 customers arrives 1.8 s after the first


def test_bench_load_refuses_several_workers_without_postgres() -> None:
    done = subprocess.run([sys.executable, "-m", "agent.cli", "bench", "load", "--workers", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "--db-url postgresql+psycopg://" in done.stderr


def test_bench_restart_times_the_way_back_to_an_answer() -> None:
    done = subprocess.run([sys.executable, "-m", "agent.cli", "bench", "restart", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert 0 < report["started_s"] <= report["answered_s"] < 120, report
