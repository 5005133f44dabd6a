"""One revision a file, in order (0001, 0002, ...); bmadgen writes a new one and never rewrites
an old one, so a revision you edit stays as you left it."""
