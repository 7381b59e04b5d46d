"""PyInstaller entry point for the `whea` command line."""

import sys

from whea_gui.cli import main

sys.exit(main())
