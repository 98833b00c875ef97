"""Rasa store extensions, referenced by module path from endpoints.yml."""
