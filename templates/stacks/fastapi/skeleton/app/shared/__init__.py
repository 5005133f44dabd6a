"""Infrastructure every slice may use: settings, database, errors, pagination, pages."""
