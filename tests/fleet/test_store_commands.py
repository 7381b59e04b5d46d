"""`whea store` commands on a PostgreSQL store (real server, fleet records from the shared
vectors): check verifies every record's checksum in place."""

from __future__ import annotations

import psycopg
import pytest
from fleet_helpers import fill

from whea_gui.cli import main


def test_check_verifies_every_checksum_on_the_server(pg_url, fleet, capsys):
    fill(pg_url, fleet[:60])
    secret = pg_url.replace("postgres@", "postgres:hunter22@")
    assert main(["store", "check", "--store", secret]) == 0
    out, err = capsys.readouterr()
    assert "ok (60 records, every checksum matches)" in out and "no store here" not in err
    assert "hunter22" not in out + err
    with psycopg.connect(pg_url, autocommit=True) as conn:  # flip one bit of one record
        host, rid = conn.execute(
            "UPDATE whea_records SET data = set_byte(data, 200, get_byte(data, 200) # 1) "
            "WHERE slot = (SELECT min(slot) FROM whea_records) RETURNING host, record_id").fetchone()
    assert main(["store", "check", "--store", secret]) == 1
    out, err = capsys.readouterr()
    assert "DAMAGED: 1 of 60 records fail their checksum" in err
    assert f"record {rid:#x} of host {host!r}" in err and "hunter22" not in out + err


def test_check_of_a_missing_server_store_says_why(pg_url, capsys):
    secret = pg_url.replace("postgres@", "postgres:hunter22@")
    assert main(["store", "check", "--store", secret]) == 2  # an empty database: no schema
    err = capsys.readouterr().err
    assert "no store in this database" in err and "hunter22" not in err
    with pytest.raises(SystemExit):
        main(["store", "check", "--store"])
