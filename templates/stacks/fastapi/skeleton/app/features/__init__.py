"""Feature slices: each package is complete on its own and never imports another slice."""
