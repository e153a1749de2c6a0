"""Sphinx configuration: MyST Markdown, furo, autodoc with Google docstrings."""

from __future__ import annotations

import servicedomain

project = "servicedomain"
author = "servicedomain developers"
copyright = "2026, servicedomain developers"
release = servicedomain.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_attr_annotations = True
# "Attributes:" sections render as fields, so they never clash with autodoc members.
napoleon_use_ivar = True

# No intersphinx: the docs build runs offline (CI has no network but the package index).

html_theme = "furo"
html_title = f"servicedomain {release}"
