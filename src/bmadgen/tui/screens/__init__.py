"""The wizard's screens, one module each; modals beside them in `modals.py`."""
