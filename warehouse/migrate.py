"""Schema migrations: numbered SQL files applied in order, each recorded once.

A warehouse made by any earlier version of the project upgrades in place:
every migration runs in its own transaction (DuckDB's DDL is transactional),
so a failed upgrade leaves the file at the last good version. An applied
migration that was edited afterwards is refused: its checksum no longer
matches, and silently running a different history would make two warehouses
with the same version number differ.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import WarehouseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_FILE_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class MigrationError(WarehouseError):
    """The warehouse's recorded schema history does not fit the migrations shipped."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def shipped_migrations(directory: Path | None = None) -> list[Migration]:
    """The migrations in `directory` (default: the package's migrations), ordered by number."""
    root = directory or MIGRATIONS_DIR
    entries = [(path.name, path.read_text(encoding="utf-8")) for path in root.iterdir()]
    migrations = []
    for name, sql in entries:
        match = _FILE_NAME.match(name)
        if match:
            migrations.append(Migration(int(match.group(1)), match.group(2), sql))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a number: {versions}")
    return migrations


def _ensure_history_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       VARCHAR NOT NULL,
            checksum   VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL
        );
        COMMENT ON TABLE schema_migrations IS 'Schema migrations applied to this warehouse, in order.';
        COMMENT ON COLUMN schema_migrations.version IS 'Number of the migration file (001, 002 ...).';
        COMMENT ON COLUMN schema_migrations.name IS 'Migration file name without number and extension.';
        COMMENT ON COLUMN schema_migrations.checksum IS 'sha256 of the SQL that was applied.';
        COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied (UTC).';
        """
    )


def applied_versions(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """version → checksum of every migration recorded in this warehouse."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return {}
    return dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())


def migrate(
    con: duckdb.DuckDBPyConnection,
    migrations: list[Migration] | None = None,
    up_to: int | None = None,
) -> list[int]:
    """Apply every migration not yet recorded (up to `up_to`); return the versions applied."""
    available = shipped_migrations() if migrations is None else migrations
    _ensure_history_table(con)
    done = applied_versions(con)
    known = {m.version: m for m in available}
    for version, checksum in done.items():
        if version not in known:
            raise MigrationError(f"warehouse has migration {version:03d}, which this version does not ship")
        if known[version].checksum != checksum:
            raise MigrationError(
                f"migration {version:03d}_{known[version].name} changed after it was applied"
            )
    applied = []
    for migration in available:
        if migration.version in done or (up_to is not None and migration.version > up_to):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                "VALUES (?, ?, ?, now() AT TIME ZONE 'UTC')",
                [migration.version, migration.name, migration.checksum],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise MigrationError(f"migration {migration.version:03d}_{migration.name} failed: {exc}") from exc
        applied.append(migration.version)
    return applied


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest migration applied (0 for an empty file)."""
    done = applied_versions(con)
    return max(done) if done else 0
