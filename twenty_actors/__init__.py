"""twenty-actors: a Twenty CRM compatible API server on Trio actors and PostgreSQL."""

__version__ = "0.1.0"
