"""PyInstaller entry point for the desktop app."""

import sys

from whea_gui.ui.app import main

sys.exit(main())
