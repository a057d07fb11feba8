"""The ``flowtail`` command's launcher; the program itself is the ``tui`` package.

``tui`` is a generic name another distribution may also install (into the same site-packages, or
earlier on ``sys.path``). This launcher lives outside ``tui`` so it can say so in one line instead of
failing with a traceback from inside someone else's package.
"""
