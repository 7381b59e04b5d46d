"""`whea metrics`: the textfile (parsed with prometheus-client's parser) counts what the store
holds, the same on both engines; `--serve` answers over loopback with fresh figures on each
scrape; the shipped alert rules pass `promtool check rules` and fire at the timeline's
thresholds in `promtool test rules`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from fleet_helpers import fill

from whea_gui.cli import main

parser = pytest.importorskip("prometheus_client.parser",
                             reason="needs prometheus-client (pip install prometheus-client)")
REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "resources" / "prometheus" / "whea-alerts.yml"


def _families(text: str) -> dict:
    return {f.name: f for f in parser.text_string_to_metric_families(text)}


def _metrics(capsys, spec: str) -> str:
    assert main(["metrics", spec, "--as-of", "last"]) == 0
    return capsys.readouterr().out


def test_textfile_counts_the_store_on_both_engines(pg_url, tmp_path, fleet, capsys):
    fill(pg_url, fleet)
    sqlite = fill(str(tmp_path / "fleet.sqlite"), fleet)
    text = _metrics(capsys, pg_url)
    assert text == _metrics(capsys, sqlite)  # server aggregates == the SQLite store's index
    # == the same records read from the SQLite store as a source and decoded one by one
    from whea_gui.index.rates import default_rules
    from whea_gui.report import metrics
    from whea_gui.sources import iter_path
    indexed = metrics.snapshot(sqlite, as_of="last")
    decoded = metrics.snapshot_records(list(iter_path(sqlite)), default_rules(), indexed.as_of)
    assert (indexed.records, indexed.faults, indexed.last_time, indexed.total) == \
        (decoded.records, decoded.faults, decoded.last_time, decoded.total)
    assert sorted(indexed.thresholds, key=repr) == sorted(decoded.thresholds, key=repr)
    fam = _families(text)
    by_host = Counter()
    for s in fam["whea_records"].samples:
        by_host[s.labels["host"]] += s.value
    assert by_host == Counter(src["host"] for _, src in fleet)
    # per host and severity, every severity written (zeros too: the fatal alert's increase()
    # then sees a host's first fatal record), summing to the same counts
    per_host = {(s.labels["host"], s.labels["severity"]): s.value
                for s in fam["whea_host_records"].samples}
    assert {h for h, _ in per_host} == set(by_host)
    assert all((h, "fatal") in per_host and (h, "recoverable") in per_host for h in by_host)
    assert Counter({h: sum(v for (hh, _), v in per_host.items() if hh == h) for h in by_host}) \
        == by_host
    assert 0 in per_host.values()
    assert fam["whea_store_records"].samples[0].value == len(fleet)
    # the timeline's own figures: a DIMM above its threshold at the last record's time is
    # exceeded here, with the count of its window
    assert main(["timeline", "--store", pg_url, "--json"]) == 0
    timeline = json.loads(capsys.readouterr().out)
    last = max(s.value for s in fam["whea_last_record_timestamp_seconds"].samples)
    assert timeline["span"]["end"].startswith(
        __import__("datetime").datetime.fromtimestamp(last, __import__("datetime").UTC)
        .strftime("%Y-%m-%dT%H:%M:%S"))
    states = {(s.labels["rule"], s.labels["host"], s.labels["key"]): s.value
              for s in fam["whea_threshold_exceeded"].samples}
    counts = {(s.labels["rule"], s.labels["host"], s.labels["key"]): s.value
              for s in fam["whea_threshold_window_records"].samples}
    assert states and all(v == (counts[k] >= {"DIMM": 10, "Memory page": 10, "CPU": 18}[k[0]])
                          for k, v in states.items())
    out = tmp_path / "collector" / "whea.prom"
    out.parent.mkdir()
    assert main(["metrics", pg_url, "--textfile", str(out), "--as-of", "last"]) == 0
    assert out.read_text() == text and sorted(os.listdir(out.parent)) == ["whea.prom"]


def test_serve_over_loopback_scrapes_fresh_figures(pg_url, fleet):
    fill(pg_url, fleet[:50])
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "whea_gui.cli", "metrics", pg_url,
                             "--serve", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "serving http://127.0.0.1:" in line, proc.stderr.read() if proc.poll() is not None else line
        url = line.split("serving ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")

        def scrape() -> dict:
            with urllib.request.urlopen(url, timeout=60) as response:
                assert response.status == 200
                return _families(response.read().decode("utf-8"))

        assert scrape()["whea_store_records"].samples[0].value == 50
        fill(pg_url, fleet[50:80])  # a new scrape sees the new records
        fam = scrape()
        assert fam["whea_store_records"].samples[0].value == 80
        assert sum(s.value for s in fam["whea_records"].samples if s.name.endswith("_total")) == 80
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_survives_the_database_going_away(pg_url, fleet):
    import psycopg
    fill(pg_url, fleet[:30])
    secret = pg_url.replace("postgres@", "postgres:hunter22@")
    import pgserver
    admin = pgserver.cluster()
    dbname = pg_url.split("@/", 1)[1].split("?")[0]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "whea_gui.cli", "metrics", secret,
                             "--serve", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "serving http://127.0.0.1:" in line, line
        url = line.split("serving ")[1].split()[0]

        def scrape() -> dict:
            with urllib.request.urlopen(url, timeout=60) as response:
                assert response.status == 200
                return _families(response.read().decode("utf-8"))

        assert scrape()["whea_store_up"].samples[0].value == 1
        with psycopg.connect(admin, autocommit=True) as conn:  # the database goes away
            conn.execute(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS false")
        try:
            fam = scrape()
            assert fam["whea_store_up"].samples[0].value == 0 and list(fam) == ["whea_store_up"]
            assert scrape()["whea_store_up"].samples[0].value == 0
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:  # and comes back
                conn.execute(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS true")
        fam = scrape()
        assert fam["whea_store_up"].samples[0].value == 1
        assert fam["whea_store_records"].samples[0].value == 30
        assert proc.poll() is None  # still serving
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    failures = [ln for ln in err.splitlines() if ln.strip()]
    assert len(failures) == 2 and all("scrape failed, whea_store_up 0" in ln for ln in failures)
    assert "Traceback" not in err and "hunter22" not in err


def test_cardinality_is_bounded(pg_url, fleet, capsys):
    """Counts by host/severity/component always; locations only each host's busiest; page
    keys only from --page-min records; the totals still add up to the store."""
    fill(pg_url, fleet)
    fam = _families(_metrics(capsys, pg_url))
    total = sum(s.value for s in fam["whea_records"].samples if s.name.endswith("_total"))
    assert total == len(fleet) and all(set(s.labels) == {"host", "severity", "component"}
                                       for s in fam["whea_records"].samples)
    hosts = {s.labels["host"] for s in fam["whea_records"].samples}
    located = [s for s in fam["whea_location_records"].samples if s.name.endswith("_total")]
    for host in hosts:
        assert 0 < len({s.labels["location"] for s in located if s.labels["host"] == host}) <= 10
    assert main(["metrics", pg_url, "--as-of", "last", "--top-locations", "1", "--page-min",
                 "1000000"]) == 0
    fam1 = _families(capsys.readouterr().out)
    located1 = [s for s in fam1["whea_location_records"].samples if s.name.endswith("_total")]
    assert len({(s.labels["host"], s.labels["location"]) for s in located1}) == len(hosts)
    # the busiest location of each host is the one kept
    for host in hosts:
        per_loc = {}
        for s in located:
            if s.labels["host"] == host:
                per_loc[s.labels["location"]] = per_loc.get(s.labels["location"], 0) + s.value
        kept = {s.labels["location"] for s in located1 if s.labels["host"] == host}
        assert kept == {max(per_loc, key=lambda k: (per_loc[k], [-ord(c) for c in k]))}
    scopes = {s.labels["scope"] for s in fam1["whea_fault_records"].samples}
    assert "page" not in scopes and {"dimm", "cpu"} <= scopes
    pages = [s for s in fam["whea_fault_records"].samples
             if s.labels["scope"] == "page" and s.name.endswith("_total")]
    per_page = {}
    for s in pages:
        per_page[(s.labels["host"], s.labels["key"])] = per_page.get(
            (s.labels["host"], s.labels["key"]), 0) + s.value
    assert all(n >= 10 for n in per_page.values())


def test_bad_arguments(pg_url, capsys):
    assert main(["metrics", pg_url.replace("host=", "host=/nonexistent")]) == 2
    assert "cannot connect" in capsys.readouterr().err
    assert main(["metrics", pg_url, "--serve", "nowhere"]) == 2
    assert main(["metrics", pg_url, "--as-of", "yesterday-ish"]) == 2


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI") or os.environ.get("WHEA_REQUIRE_POSTGRES"):
            pytest.fail("promtool is required in CI (Debian package prometheus)")
        pytest.skip("promtool not installed (Debian: apt-get install prometheus)")
    return found


UNIT_TEST = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1h
    input_series:
      - series: 'whea_fault_records_total{{host="node1",scope="dimm",key="memory:node=0/card=1",severity="corrected"}}'
        values: '0+1x12'
      - series: 'whea_fault_records_total{{host="node2",scope="dimm",key="memory:node=0/card=0",severity="corrected"}}'
        values: '0+1x8'
      - series: 'whea_fault_records_total{{host="node3",scope="cpu",key="cpu:apic=3",severity="corrected"}}'
        values: '0+2x12'
      - series: 'whea_threshold_window_records{{rule="Memory page",scope="page",host="node4",key="memory:page=0x1f"}}'
        values: '3 6 9 11 11'
      # node5: watched at 0, its first fatal record at 3h; node6: new to monitoring at 2h with
      # one fatal record already stored (a series that first appears at 1, which increase()
      # alone never counts); node7: corrected records only
      - series: 'whea_host_records_total{{host="node5",severity="fatal"}}'
        values: '0 0 0 1 1 1 1 1 1'
      - series: 'whea_host_records_total{{host="node6",severity="fatal"}}'
        values: '_ _ 1 1 1 1'
      - series: 'whea_host_records_total{{host="node7",severity="fatal"}}'
        values: '0 0 0 0 0 0'
      - series: 'whea_host_records_total{{host="node7",severity="corrected"}}'
        values: '0 5 9 20 30 40'
    alert_rule_test:
      - eval_time: 12h
        alertname: WheaDimmCorrectedErrors
        exp_alerts:
          - exp_labels: {{host: node1, key: "memory:node=0/card=1", severity: warning}}
            exp_annotations:
              summary: "node1: DIMM memory:node=0/card=1 had 12 corrected errors in 24 h"
              description: "mcelog [dimm] ce-error-threshold = 10 / 24h: plan to replace the DIMM."
      - eval_time: 12h
        alertname: WheaCpuCorrectedErrors
        exp_alerts:
          - exp_labels: {{host: node3, key: "cpu:apic=3", severity: warning}}
            exp_annotations:
              summary: "node3: CPU cpu:apic=3 had 24 corrected errors in 24 h"
              description: "rasdaemon CPU_CE_THRESHOLD=18 per CPU_ISOLATION_CYCLE=24h: the CPU is an isolation candidate."
      - eval_time: 8h
        alertname: WheaDimmCorrectedErrors
        exp_alerts: []
      - eval_time: 2h
        alertname: WheaMemoryPageCorrectedErrors
        exp_alerts: []
      - eval_time: 1h
        alertname: WheaFatalError
        exp_alerts: []
      - eval_time: 2h
        alertname: WheaFatalError
        exp_alerts:
          - exp_labels: {{host: node6, severity: critical}}
            exp_annotations:
              summary: "node6: fatal hardware error records stored"
              description: "Fatal WHEA error records were stored within the last hour, or the host is new to monitoring with fatal records already stored; whea_records_total{{severity=\\"fatal\\"}} names the component."
      - eval_time: 3h
        alertname: WheaFatalError
        exp_alerts:
          - exp_labels: {{host: node5, severity: critical}}
            exp_annotations:
              summary: "node5: fatal hardware error records stored"
              description: "Fatal WHEA error records were stored within the last hour, or the host is new to monitoring with fatal records already stored; whea_records_total{{severity=\\"fatal\\"}} names the component."
      - eval_time: 5h
        alertname: WheaFatalError
        exp_alerts: []
      - eval_time: 3h
        alertname: WheaRecoverableError
        exp_alerts: []
      - eval_time: 3h
        alertname: WheaMemoryPageCorrectedErrors
        exp_alerts:
          - exp_labels: {{host: node4, key: "memory:page=0x1f", severity: warning}}
            exp_annotations:
              summary: "node4: memory page memory:page=0x1f had 11 corrected errors in 24 h"
              description: "mcelog [page] memory-ce-threshold = 10 / 24h: offline the page or watch the DIMM."
"""


def test_alert_rules_pass_promtool(tmp_path):
    promtool = _promtool()
    check = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 6 rules found" in check.stdout + check.stderr
    assert "WARNING" not in (check.stdout + check.stderr).upper(), check.stdout + check.stderr
    test = tmp_path / "test.yml"
    test.write_text(UNIT_TEST.format(rules=json.dumps(str(RULES))))
    run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_textfile_of_a_store_that_cannot_be_read_says_down(pg_url, fleet, tmp_path, capsys):
    # the textfile collector would go on showing the last file ("up", old counters): the file
    # is replaced with whea_store_up 0, what a scrape says then
    fill(pg_url, fleet[:10])
    prom = tmp_path / "whea.prom"
    assert main(["metrics", pg_url, "--textfile", str(prom)]) == 0
    assert _families(prom.read_text())["whea_store_up"].samples[0].value == 1
    assert main(["metrics", pg_url.replace("host=", "host=/nonexistent"), "--textfile", str(prom)]) == 2
    fam = _families(prom.read_text())
    assert list(fam) == ["whea_store_up"] and fam["whea_store_up"].samples[0].value == 0
    assert "cannot connect" in capsys.readouterr().err


@pytest.mark.parametrize("table", ["whea_records", "whea_meta"])
def test_a_scrape_waits_no_longer_than_the_lock_timeout(pg_url, fleet, table):
    # a table lock held by another session (a migration, a maintenance job) must not hold a
    # scrape past Prometheus' 10 s timeout: it answers whea_store_up 0 after the lock timeout
    import threading

    import psycopg

    from whea_gui.report import metrics
    fill(pg_url, fleet[:10])
    locked, release = threading.Event(), threading.Event()

    def hold():
        with psycopg.connect(pg_url) as conn:
            conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # (the schema check reads whea_meta)
            locked.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        failures = []
        registry = metrics.registry_for(lambda: metrics.snapshot(pg_url), failures.append)
        from prometheus_client import generate_latest
        # (without a lock timeout the scrape would wait for the lock, then answer "up")
        fam = _families(generate_latest(registry).decode("utf-8"))
        assert fam["whea_store_up"].samples[0].value == 0 and "lock timeout" in str(failures[0])
    finally:
        release.set()
        holder.join()
