"""Data access for each Kapua entity: plain functions over an SQLite connection.

Handlers, the seeder and the admin API all write through these, so an entity
is stored the same way whichever door it came in by.
"""
