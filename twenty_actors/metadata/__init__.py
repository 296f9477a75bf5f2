"""Workspace metadata: objects, fields, relations, and the standard objects every workspace starts with."""
