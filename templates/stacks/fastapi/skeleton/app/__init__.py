"""The application: shared infrastructure in app.shared, one vertical slice per feature."""
