"""Numbers typed by hand: ``str.isdigit`` accepts digits ``int()`` refuses ('²', '①'), so every
count, port and severity number is checked as ASCII digits; such a value is a usage error with
the option named, never a traceback or a Python message."""

from __future__ import annotations

import datetime as dt

import pytest
from vectorlib import DWR_CPER

from whea_gui.cli import main
from whea_gui.index.table import RecordTable
from whea_gui.report.filters import FilterError, ReportFilters
from whea_gui.report.writer import generated_now


def _record() -> str:
    return str(DWR_CPER[0])


@pytest.mark.parametrize("value", ["²", "①", "٣"])  # superscript, circled, Arabic-Indic
def test_a_threshold_of_non_ascii_digits_is_a_usage_error(capsys, value):
    path = _record()
    assert main(["timeline", path, "--threshold", f"dimm={value}"]) == 2
    err = capsys.readouterr().err
    assert "--threshold" in err and "invalid literal" not in err


def test_a_serve_port_of_non_ascii_digits_is_a_usage_error(capsys):
    assert main(["metrics", _record(), "--serve", "127.0.0.1:²"]) == 2
    assert "expected HOST:PORT" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["²", "٣"])
def test_a_severity_of_non_ascii_digits_is_refused_by_name(value):
    with pytest.raises(FilterError, match="--severity"):
        ReportFilters.build(severity=[value])
    with pytest.raises(ValueError):  # the index's filter: a ValueError its callers report
        RecordTable.empty().mask(severity=[value])


@pytest.mark.parametrize("epoch", ["²", "9" * 30, "999999999999"])
def test_a_source_date_epoch_datetime_cannot_hold_is_ignored(monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    got = dt.datetime.fromisoformat(generated_now().replace("Z", "+00:00"))
    assert abs((got - dt.datetime.now(dt.UTC)).total_seconds()) < 60
