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
