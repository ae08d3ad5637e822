"""Small builders shared by test modules (not fixtures: plain functions)."""

from __future__ import annotations

from pathlib import Path

import nbformat


def make_notebook(folder: Path, name: str, *cells: str, params: str) -> Path:
    """Write ``folder/name.ipynb``: a cell tagged ``parameters`` then one code cell each."""
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell(params)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path
