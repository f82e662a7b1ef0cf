"""The suite's schema is built by the migrations (see conftest); here we prove it
is exactly what the models describe, on SQLite and PostgreSQL alike."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldops.extensions import db


def _ignore_non_schema(diff):
    # Alembic's own bookkeeping table is not part of the models.
    return not (diff[0] == "remove_table" and diff[1].name == "alembic_version")


def test_migrations_produce_exactly_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, db.metadata) if _ignore_non_schema(d)]
    assert diff == []


def test_migrations_are_at_head(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, "migrations have branched; merge them"
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == heads[0]


def test_check_constraints_exist_in_the_database(app, org):
    import pytest
    import sqlalchemy as sa

    from fieldops.org.models import OrgUnit

    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(
                sa.insert(OrgUnit.__table__).values(code="BAD", name="x", level="galaxy", path="/9/",
                                                    created_at=sa.func.now())
            )
