"""Issue #18 figures: ``whea decode --json`` as a whole process, start-up, in-process decode and
located tree, JSON size and ``--jobs``, each against libcper's Python binding measured in the same
run (PyPI ``cper``: ``cper.parse`` + ``json.dumps``; ``pip install .[bench]``, needs libjson-c-dev).

Run: python benchmarks/bench_decode_process.py [--copies 10] [--runs 5]

The corpus is libcper's generated records and the real Windows records of the shared vectors
(DecodeWheaRecord), concatenated ``--copies`` times (10 → 5,600 records) into one file. Whole
processes are timed by wall clock, median of ``--runs`` runs with ours and the peer's interleaved
(the machine is shared: compare within one run). In-process figures are CPU time, median.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VECTORS = ROOT.parent / "shared" / "vectors"

# The peer as a user would run it: read the file, split it by RecordLength, parse and print.
PEER = r"""
import json, struct, sys, cper
data = open(sys.argv[1], 'rb').read()
write = sys.stdout.write
pos = 0
while pos + 128 <= len(data):
    length = struct.unpack_from('<I', data, pos + 20)[0]
    write(json.dumps(cper.parse(data[pos:pos + length])) + "\n")
    pos += length
"""


def corpus() -> list[bytes]:
    files = [p for p in glob.glob(str(VECTORS / "libcper-generated" / "*" / "*.cper"))
             if "single-section" not in p]
    files += glob.glob(str(VECTORS / "DecodeWheaRecord" / "cper_*.bin"))
    return [Path(p).read_bytes() for p in sorted(files)]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited children, their workers included
    return r.ru_utime + r.ru_stime


# Every command runs in a neutral folder: ``python -m`` puts the working folder first on the
# path, which would pick a checkout there instead of ``--root``.
NEUTRAL = tempfile.gettempdir()


def wall(cmd: list[str], env: dict, out=subprocess.DEVNULL) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its workers)."""
    t, c = time.perf_counter(), _cpu()
    subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env, check=False, cwd=NEUTRAL)
    return time.perf_counter() - t, _cpu() - c


def interleaved(cases: dict[str, list[str]], runs: int, env: dict) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per case."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, cmd in cases.items():
            times[name].append(wall(cmd, env))
    return {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
            for name, t in times.items()}


def output_size(cmd: list[str], env: dict) -> int:
    with tempfile.TemporaryFile() as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL, env=env, check=False, cwd=NEUTRAL)
        return f.tell()


def in_process(recs: list[bytes], runs: int) -> dict[str, float]:
    """Microseconds of CPU per record, median of ``runs`` interleaved runs."""
    import json

    import cper

    from whea_gui.decode import jsonout
    from whea_gui.decode.jsonout import record_to_json
    from whea_gui.decode.record import decode_record

    json_line = getattr(jsonout, "json_line", None) or (lambda o: (json.dumps(o) + "\n").encode())

    def located(items):
        for b in items:
            decode_record(b)

    def tree(items):  # the whole tree the window can show: every node and its text
        for b in items:
            for node in decode_record(b).root.walk():
                node.display  # noqa: B018

    def as_json(items):
        for b in items:
            json_line(record_to_json(decode_record(b)))

    def peer(items):
        for b in items:
            cper.parse(b)

    def peer_json(items):
        for b in items:
            json.dumps(cper.parse(b))

    cases = {"located decode (lazy tree)": located, "located decode + whole tree walked": tree,
             "decode + --json line": as_json, "cper.parse": peer, "cper.parse + json.dumps": peer_json}
    located(recs)  # section plug-ins load once
    times: dict[str, list[float]] = {name: [] for name in cases}
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # libcper prints to the C stderr for some sections
    try:
        for _ in range(runs):
            for name, fn in cases.items():
                t = time.process_time()
                fn(recs)
                times[name].append(time.process_time() - t)
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)
    return {name: statistics.median(t) * 1e6 / len(recs) for name, t in times.items()}


def encoders(recs: list[bytes], runs: int) -> dict[str, tuple[float, float, float]]:
    """(us per plain record, us per --tree record, import ms) of each JSON encoder on our own
    decode objects: the figures behind the choice of orjson."""
    import importlib
    import json

    from whea_gui.decode.jsonout import record_to_json
    from whea_gui.decode.record import decode_record

    plain = [record_to_json(decode_record(b)) for b in recs]
    trees = [record_to_json(decode_record(b), with_tree=True) for b in recs[:100]]
    found: dict[str, object] = {"json": lambda o: json.dumps(o).encode()}
    cost: dict[str, float] = {"json": 0.0}
    for name in ("orjson", "msgspec"):
        code = f"import time; t = time.process_time(); import {name}; print(time.process_time() - t)"
        try:
            importlib.import_module(name)
            took = [float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                         text=True, check=True, cwd=NEUTRAL).stdout)
                    for _ in range(7)]
        except (ImportError, subprocess.CalledProcessError):
            continue
        cost[name] = statistics.median(took) * 1000  # CPU ms, median of 7 fresh processes
        found[name] = (sys.modules["orjson"].dumps if name == "orjson"
                       else sys.modules["msgspec"].json.Encoder().encode)
    out = {}
    for name, enc in found.items():
        per = []
        for objs in (plain, trees):
            best = []
            for _ in range(runs):
                t = time.process_time()
                for o in objs:
                    enc(o)
                best.append(time.process_time() - t)
            per.append(statistics.median(best) * 1e6 / len(objs))
        out[name] = (per[0], per[1], cost[name])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="the checkout to measure (e.g. a worktree of an older commit, for "
                         "before/after figures)")
    args = ap.parse_args()
    if args.root != ROOT:
        sys.path.insert(0, str(args.root))
        for name in [m for m in sys.modules if m.startswith("whea_gui")]:
            del sys.modules[name]
    try:
        import cper  # noqa: F401
    except ImportError:
        sys.exit("needs the libcper binding: pip install cper (and libjson-c-dev)")
    recs = corpus()
    env = dict(os.environ, PYTHONPATH=str(args.root))
    # Compiled modules, as an installed package has them (PYTHONDONTWRITEBYTECODE would
    # otherwise make every run compile every module: not the start-up a user sees).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(args.root / "whea_gui")],
                   stdout=subprocess.DEVNULL, check=False)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "corpus.cper"
        big.write_bytes(b"".join(recs * args.copies))
        one = Path(tmp) / "one.cper"
        one.write_bytes(recs[-1])
        peer = Path(tmp) / "peer.py"
        peer.write_text(PEER)
        n = len(recs) * args.copies
        print(f"checkout: {args.root}")
        print(f"corpus: {n} records ({len(recs)} distinct), {big.stat().st_size:,} bytes; "
              f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")

        whea = [py, "-m", "whea_gui.cli", "decode", "--json"]
        helptext = subprocess.run(whea[:-1] + ["--help"], capture_output=True, text=True,
                                  env=env, cwd=NEUTRAL).stdout
        cases = {"whea decode --json": whea + [str(big)]}
        if "--compact" in helptext:
            cases["whea decode --json --compact"] = whea + ["--compact", str(big)]
        if "--jobs" in helptext:
            cases["whea decode --json --jobs 2"] = whea + ["--jobs", "2", str(big)]
        cases["peer: cper.parse + json.dumps"] = [py, str(peer), str(big)]
        whole = interleaved(cases, args.runs, env)
        base, base_cpu = whole["peer: cper.parse + json.dumps"]
        print(f"\nwhole process, {n} records (median of {args.runs}; ratio = peer time / ours; CPU "
              "= user+sys of the process and its workers, less disturbed by a loaded machine)")
        for name, (t, c) in whole.items():
            print(f"  {name:36s} wall {t:6.2f} s {base / t:5.2f}x peer | CPU {c:6.2f} s "
                  f"{base_cpu / c:5.2f}x peer")

        start = interleaved({"whea decode --json (1 record)": whea + [str(one)],
                             "peer (1 record)": [py, str(peer), str(one)]}, args.runs * 2, env)
        (s_ours, c_ours), (s_peer, c_peer) = start["whea decode --json (1 record)"], start["peer (1 record)"]
        print(f"\nstart-up (1 record): wall ours {s_ours:.3f} s, peer {s_peer:.3f} s "
              f"({s_ours / s_peer:.2f}x the peer's time; target <= 2x); CPU ours {c_ours:.3f} s, "
              f"peer {c_peer:.3f} s ({c_ours / c_peer:.2f}x)")

        sizes = {"--json": output_size(whea + [str(big)], env)}
        if "--compact" in helptext:
            sizes["--json --compact"] = output_size(whea + ["--compact", str(big)], env)
        sizes["peer"] = output_size([py, str(peer), str(big)], env)
        print("\nJSON size per record: " + ", ".join(
            f"{k} {v / n:,.0f} B ({v / sizes['peer']:.2f}x peer)" for k, v in sizes.items()))

        if "whea decode --json --jobs 2" in whole:
            j1, j2 = whole["whea decode --json"][0], whole["whea decode --json --jobs 2"][0]
            speedup = j1 / j2
            serial = min(1.0, max(0.0, 2 / speedup - 1))  # Amdahl, 2 workers: S = 1/(f + (1-f)/2)
            print(
                f"\n--jobs 2: {speedup:.2f}x --jobs 1; as Amdahl's law, serial share f = {serial:.2f} "
                f"(start-up, reading, writing in the parent); predicted on N free cores: "
                f"1 / (f + (1 - f) / N), e.g. {1 / (serial + (1 - serial) / 4):.1f}x on 4")

    print("\nJSON encoders on our decode objects (CPU us per record; import: CPU ms in a fresh process)")
    for name, (p, t, imp) in encoders(recs, max(3, args.runs)).items():
        version = getattr(sys.modules.get(name), "__version__", "")
        print(f"  {name:8s} {version:8s} plain {p:6.1f} us  --tree {t:7.1f} us  import {imp:5.1f} ms")

    per = in_process(recs, max(3, args.runs))
    print(f"\nin-process, CPU us per record (median of {max(3, args.runs)}, ratio = peer time / ours)")
    for name, us in per.items():
        print(f"  {name:36s} {us:8.1f} us")
    print(f"  located decode vs cper.parse: {per['cper.parse'] / per['located decode (lazy tree)']:.2f}x; "
          f"whole tree walked: {per['cper.parse'] / per['located decode + whole tree walked']:.2f}x; "
          f"--json line vs parse+dumps: "
          f"{per['cper.parse + json.dumps'] / per['decode + --json line']:.2f}x")


if __name__ == "__main__":
    main()
