"""The document viewer: a lazy, virtualised view of markdown, text and JSON of any size.

The rest of the app uses only what is exported here.
"""

from spidra_tui.ui.document.json_tree import JsonTree
from spidra_tui.ui.document.view import DocumentMode, DocumentView

__all__ = ["DocumentMode", "DocumentView", "JsonTree"]
