"""``python -m tokenkit``: the same command line as the ``tokenkit`` console script."""

from .cli import main

raise SystemExit(main())
