"""The cheat sheet: tested snippets (``snippets/``), the words around them (``topics.py``)
and the generator (``build.py``) that writes CHEATSHEET.md and ``cheatsheet.html``.

Not part of the installed package: it lives beside the lessons, and
``tests/test_cheatsheet.py`` runs every snippet and fails when the generated files drift.
"""
