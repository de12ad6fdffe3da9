"""Author's helper: turn a percent-format script (cells separated by `# %%` / `# %% [markdown]`) into a solution notebook.

    python tools/nbbuild.py src.py solutions/00_setup_and_domain.ipynb
The notebook in solutions/ stays the source of truth; this only saves typing JSON by hand.
"""
import sys

import nbformat


def cells_from(text: str):
    cells, kind, buf = [], None, []

    def flush():
        if kind is not None:
            src = "\n".join(buf).strip("\n")
            if kind == "markdown":
                src = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in src.splitlines())
                cells.append(nbformat.v4.new_markdown_cell(src))
            else:
                cells.append(nbformat.v4.new_code_cell(src))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, buf = ("markdown" if "[markdown]" in line else "code"), []
        else:
            buf.append(line)
    flush()
    return cells


if __name__ == "__main__":
    src, out = sys.argv[1], sys.argv[2]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    nb.cells = cells_from(open(src).read())
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:03d}"
    nbformat.write(nb, out)
    print("wrote", out, len(nb.cells), "cells")
