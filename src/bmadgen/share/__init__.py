"""Sharing a project: the plan as one document, stories for a tracker, the prototype in a
browser, and insights across a person's projects. Below the services; no face imports it."""
