"""Tests of the application as a whole and of its shared infrastructure."""
