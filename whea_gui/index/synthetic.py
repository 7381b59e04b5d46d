"""A synthetic fleet of error records as analysis columns, for demos, screenshots and benchmarks.

Vectorised (a million rows in well under a second). The month contains what the timeline is
for: background corrected errors with a daily rhythm over many hosts and locations, one DIMM
going bad (its corrected errors ramp up until the 24 h threshold is crossed), a noisy CPU bank,
a PCIe storm, a handful of fatal and recoverable errors, and some records whose own
timestamp is missing (event time used) or that have no time at all.
"""

from __future__ import annotations

import numpy as np

from .analysis import Categorical, TimelineData
from .faults import TIME_EVENT, TIME_NONE, TIME_RECORD

START = 1_717_200_000  # 2024-06-01 00:00:00 UTC
DAY = 86400
NOTIFY = ["CMC (Corrected Machine Check)", "CPE (Corrected Platform Error)", "PCIe",
          "MCE (Machine Check Exception)", "BOOT (boot error record)"]
SECTION = ["IA32/X64 Processor", "Platform Memory", "PCI Express", "Firmware Error Record Reference"]
COMPONENT = ["CPU", "Memory", "PCIe", "Firmware"]
_KIND = {"cpu": (0, 0, 0), "memory": (1, 1, 1), "pcie": (2, 2, 2), "firmware": (4, 3, 3)}


def _faults(rng: np.random.Generator, hosts: int):
    """The fault table: (kind, host, location, dimm, cpu) per fault."""
    rows = []
    for h in range(hosts):
        host = f"node{h + 1:02d}"
        for s in range(2):
            for bank in (0, 5, 9):
                rows.append(("cpu", host, f"cpu:apic={s * 32 + int(rng.integers(32))}:bank={bank}"))
            for m in range(6):
                rows.append(("memory", host, f"memory:node={s}/card={m // 3}/module={m % 3}"))
        for bus in (0x3B, 0x5E, 0xAF):
            rows.append(("pcie", host, f"pcie:0000:{bus:02x}:00.0"))
        rows.append(("firmware", host, f"firmware:0x{h + 1:04X}"))
    return rows


def synthetic_fleet(n: int = 8000, days: int = 30, hosts: int = 16, seed: int = 7,
                    start: int = START) -> TimelineData:
    rng = np.random.default_rng(seed)
    table = _faults(rng, hosts)
    nf = len(table)
    span = days * DAY
    # -- background: corrected errors, heavy-tailed over faults, busier in working hours
    n_bad, n_cpu, n_storm, n_severe = int(n * 0.05), int(n * 0.02), max(int(n * 0.02), 120), \
        max(int(n * 0.0015), 12)
    n_bg = n - n_bad - n_cpu - n_storm - n_severe
    weights = 1.0 / (np.arange(nf) + 25.0)
    weights = rng.permutation(weights / weights.sum())
    fault = rng.choice(nf, size=n_bg, p=weights)
    day = rng.integers(0, days, n_bg)
    hour = rng.choice(24, size=n_bg, p=_diurnal())
    t_bg = start + day * DAY + hour * 3600 + rng.integers(0, 3600, n_bg)
    # -- one DIMM going bad: density rising over the last third of the month
    bad = _index_of(table, "memory", "node07", "memory:node=1/card=0/module=2")
    t_bad = start + span * (2 / 3 + np.sqrt(rng.random(n_bad)) / 3)
    # -- a noisy CPU bank, steady through the month
    cpu = _index_of(table, "cpu", "node03", None)
    t_cpu = start + rng.random(n_cpu) * span
    # -- a PCIe storm: hundreds of corrected AER errors within a few minutes on day 12
    pcie = _index_of(table, "pcie", "node11", None)
    t_storm = start + 12 * DAY + 14 * 3600 + rng.exponential(300 / n_storm, n_storm).cumsum()
    # -- rare fatal / recoverable machine checks
    t_sev = start + rng.random(n_severe) * span
    f_sev = rng.choice(np.flatnonzero([r[0] in ("cpu", "memory") for r in table]), n_severe)

    times = np.concatenate([t_bg, t_bad, t_cpu, t_storm, t_sev]).astype(np.int64)
    fidx = np.concatenate([fault, np.full(n_bad, bad), np.full(n_cpu, cpu), np.full(n_storm, pcie),
                           f_sev])
    severity = np.full(n, 2, np.int16)
    severity[n - n_severe:] = rng.choice([1, 0], n_severe, p=[0.4, 0.6])
    kinds = np.array([_KIND[r[0]] for r in table])
    notify, section, component = kinds[fidx].T
    notify = np.where((severity != 2) & (component <= 1), 3, notify)
    loc_labels = [f"{r[1]} | {r[2]}" for r in table]
    host_codes = np.array([int(r[1][4:]) - 1 for r in table])[fidx]
    is_mem = np.array([r[0] == "memory" for r in table])[fidx]
    is_cpu = np.array([r[0] == "cpu" for r in table])[fidx]
    # memory pages: the failing DIMM keeps hitting a few pages, others scatter
    page = np.where(fidx == bad, rng.choice(4, n, p=[0.7, 0.2, 0.05, 0.05]),
                    4 + rng.integers(0, 1 << 18, n))
    page = np.where(is_mem, 0x100000 + fidx.astype(np.int64) * 0x40000 + page % 0x40000, -1)
    page_vals, page_codes = np.unique(page, return_inverse=True)
    page_codes = page_codes.astype(np.int32) - (1 if page_vals[0] == -1 else 0)
    page_host = [table[(v - 0x100000) // 0x40000][1] for v in page_vals if v >= 0]
    page_labels = [f"{h} | page:0x{v:X}" for h, v in zip(page_host, page_vals[page_vals >= 0])]
    cpu_vals, cpu_of_fault = np.unique([lab.split(":bank", 1)[0] for lab in loc_labels],
                                       return_inverse=True)
    cpu_codes = cpu_of_fault[fidx]
    # time source: most records carry their own time; some only the event log's; a few none
    u = rng.random(n)
    time_source = np.where(u < 0.004, TIME_NONE, np.where(u < 0.04, TIME_EVENT, TIME_RECORD))
    order = rng.permutation(n)  # records arrive in file order, not time order
    fidx_o = fidx[order]
    return TimelineData(
        times[order], time_source=time_source, severity=severity[order],
        groups={"notify": (notify[order], NOTIFY), "section": (section[order], SECTION),
                "component": (component[order], COMPONENT),
                "source": (host_codes[order], [f"node{h + 1:02d}" for h in range(hosts)])},
        faults={"location": Categorical(fidx_o.astype(np.int32), loc_labels),
                "dimm": Categorical(np.where(is_mem[order], fidx_o, -1).astype(np.int32), loc_labels),
                "cpu": Categorical(np.where(is_cpu[order], cpu_codes[order], -1).astype(np.int32),
                                   [str(v) for v in cpu_vals]),
                "page": Categorical(page_codes[order], page_labels)})


def _diurnal() -> np.ndarray:
    hours = np.arange(24)
    w = 1.0 + 0.8 * np.exp(-((hours - 14) / 4.0) ** 2)
    return w / w.sum()


def _index_of(table, kind: str, host: str, location: str | None) -> int:
    for i, (k, h, loc) in enumerate(table):
        if k == kind and h == host and (location is None or loc == location):
            return i
    raise LookupError((kind, host, location))
