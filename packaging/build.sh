#!/usr/bin/env bash
# Build the one-folder bundle into packaging/dist/whea-inspector-<version>/ and smoke-test it.
set -euo pipefail
cd "$(dirname "$0")/.."
# PYTHON: the interpreter to build with (tests pass their own, not whatever is on PATH)
PYTHON=${PYTHON:-python}
# the smoke test must not add to the user's real recent files or window layout
export WHEA_GUI_SETTINGS_DIR=${WHEA_GUI_SETTINGS_DIR:-$(mktemp -d)}
"$PYTHON" -m pip install -q "pyinstaller>=6.3"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath packaging/dist --workpath packaging/build packaging/whea-inspector.spec
dist=$(ls -d packaging/dist/whea-inspector-*/ | head -1)
"$dist/whea-gui" --version
QT_QPA_PLATFORM=offscreen "$dist/whea-gui" --screenshot packaging/dist/bundle-screenshot.png
echo "bundle: $dist"
