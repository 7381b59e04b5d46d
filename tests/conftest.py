import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test writes the user's real window layout or recent files: every window and every
# whea-gui subprocess started by a test keeps its settings in a throw-away folder.
os.environ["WHEA_GUI_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="whea-gui-test-settings-")

REPO = Path(__file__).resolve().parents[1]
VECTORS = REPO.parent / "shared" / "vectors"


@pytest.fixture(scope="session")
def vectors() -> Path:
    assert VECTORS.is_dir(), f"shared vectors missing at {VECTORS}"
    return VECTORS


# -- PostgreSQL: one throw-away cluster for the whole session (store and fleet tests) ----------
@pytest.fixture(scope="session")
def pg_server():
    """The throw-away PostgreSQL cluster (tests/pgserver.py); skips or fails without one."""
    import pgserver
    yield pgserver.cluster()
    pgserver.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the test cluster."""
    import pgserver
    return pgserver.new_database()
