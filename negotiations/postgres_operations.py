"""Migration operations that touch the database on PostgreSQL only.

Full-text search has PostgreSQL parts (a GIN index, a trigger keeping a tsvector);
SQLite searches by substring and gets none of them. The migration state is the same
on both, so ``makemigrations --check`` holds everywhere.
"""

from django.db import migrations


class PostgreSQLOnly:
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexOnPostgreSQL(PostgreSQLOnly, migrations.AddIndex):
    pass


class RemoveIndexOnPostgreSQL(PostgreSQLOnly, migrations.RemoveIndex):
    pass


class RunSQLOnPostgreSQL(PostgreSQLOnly, migrations.RunSQL):
    pass
