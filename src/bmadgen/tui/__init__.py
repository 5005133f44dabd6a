"""The terminal wizard: a Textual face over the services (`bmadgen tui`, or bare `bmadgen` in a
terminal).

Textual is imported only by the modules of this package, and this package is imported only
by the `tui` command, so `bmadgen --help` and every other command stay light.
"""
