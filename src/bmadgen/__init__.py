"""bmadgen: from an idea to a running, tested application, locally."""

__version__ = "0.1.0"
