"""Persistence: peewee models, the connection, schema migrations. Imports nothing of ours."""
