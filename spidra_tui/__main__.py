"""Allow ``python -m spidra_tui``."""

from spidra_tui.cli import main

raise SystemExit(main())
