"""spidra-tui: watch Spidra scrape jobs from the terminal."""

__version__ = "0.1.0"
