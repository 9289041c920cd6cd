"""The application's PostgreSQL role: only the rights the running app needs.

Migrations run as the owner of the tables (`MIGRATE_DATABASE_URL`); web, worker and beat run as
this role (`DATABASE_URL`). It is not a superuser and owns nothing, so it cannot TRUNCATE,
ALTER or DROP a table, disable a trigger or set `session_replication_role`: the audit trail and
the intelligence checks, which triggers keep append-only, stay append-only whatever the app
is made to run. On those tables it may only read and insert.

`grant_app_role` is idempotent: run it after every migration (new tables get the same grants;
the command `db_app_role` does it, and `migrate` in docker-compose and `make stack` run it).
"""

from psycopg2 import sql

APPEND_ONLY_TRIGGER_SUFFIX = "_append_only"


def append_only_tables(cursor) -> list[str]:
    """Tables a trigger keeps append-only (its function is named `*_append_only`)."""
    cursor.execute(
        """
        SELECT DISTINCT c.relname
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_proc p ON p.oid = t.tgfoid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname = 'public' AND p.proname LIKE %s
        ORDER BY c.relname
        """,
        ["%" + APPEND_ONLY_TRIGGER_SUFFIX],
    )
    return [row[0] for row in cursor.fetchall()]


def grant_app_role(cursor, *, role: str, password: str | None, database: str) -> list[str]:
    """Create `role` if missing (LOGIN, nothing else) and give it exactly what the app needs in
    `database`'s public schema, through `cursor` connected as the tables' owner. Returns the
    append-only tables it may only read and insert into.

    - tables: SELECT, INSERT, UPDATE, DELETE (no TRUNCATE, REFERENCES or TRIGGER); on append-only
      tables SELECT and INSERT; on `django_migrations` SELECT;
    - sequences: USAGE, SELECT; schema: USAGE, not CREATE; the same by default for tables the
      owner creates later (re-run after migrating so append-only tables are narrowed)."""
    ident = sql.Identifier(role)
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
    cursor.execute(
        sql.SQL(
            "ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
            "NOBYPASSRLS NOINHERIT"
        ).format(ident)
    )
    if password:
        cursor.execute(sql.SQL("ALTER ROLE {} WITH PASSWORD %s").format(ident), [password])
    statements = [
        "GRANT CONNECT ON DATABASE {db} TO {role}",
        "GRANT USAGE ON SCHEMA public TO {role}",
        "REVOKE CREATE ON SCHEMA public FROM {role}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for statement in statements:
        cursor.execute(sql.SQL(statement).format(db=sql.Identifier(database), role=ident))
    narrowed = append_only_tables(cursor)
    for table in [*narrowed, "django_migrations"]:
        cursor.execute(
            sql.SQL("REVOKE UPDATE, DELETE ON TABLE {} FROM {}").format(
                sql.Identifier(table), ident
            )
        )
    cursor.execute(sql.SQL("REVOKE INSERT ON TABLE django_migrations FROM {}").format(ident))
    return narrowed
