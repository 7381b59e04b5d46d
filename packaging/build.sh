#!/usr/bin/env bash
# Build the one-folder bundle into packaging/dist/whea-inspector-<version>/ and smoke-test it.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q "pyinstaller>=6.3"
python -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath packaging/dist --workpath packaging/build packaging/whea-inspector.spec
dist=$(ls -d packaging/dist/whea-inspector-*/ | head -1)
"$dist/whea-gui" --version
QT_QPA_PLATFORM=offscreen "$dist/whea-gui" --screenshot packaging/dist/bundle-screenshot.png
echo "bundle: $dist"
