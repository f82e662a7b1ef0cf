"""The suite's schema is built by the migrations (see conftest); here we prove it
is exactly what the models describe, on SQLite and PostgreSQL alike."""
import re
import warnings

import pytest
import sqlalchemy as sa

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.elements import Grouping, UnaryExpression

from fieldops.extensions import db


def _ignore_non_schema(diff):
    # Alembic's own bookkeeping table is not part of the models.
    return not (diff[0] == "remove_table" and diff[1].name == "alembic_version")


def _index_sql(index, dialect) -> str:
    text = str(CreateIndex(index).compile(dialect=dialect)).lower()
    text = re.sub(r"::\w+", "", text.replace(f"{index.table.name}.", ""))
    return re.sub(r"[\s()\"]", "", text)


def _as_postgresql_keeps_it(connection, index) -> str:
    """The index as PostgreSQL writes it back: built under a probe name in a
    transaction that is rolled back (casts, parentheses and all)."""
    # PostgreSQL wants an expression in parentheses; a column, descending or not, without.
    expressions = [e if isinstance(e, (sa.Column, UnaryExpression)) else Grouping(e) for e in index.expressions]
    probe = sa.Index("drift_probe", *expressions, _table=index.table, **index.dialect_kwargs)
    try:
        with connection.begin_nested() as savepoint:
            connection.execute(CreateIndex(probe))
            kept = connection.exec_driver_sql("SELECT pg_get_indexdef('drift_probe'::regclass)").scalar()
            savepoint.rollback()
    finally:
        index.table.indexes.discard(probe)
    return kept.replace("drift_probe", index.name)


def _same_expression_indexes(diff, connection):
    """Alembic compares an expression index's text as the database reflects it
    (PostgreSQL adds casts and parentheses, leaves out a partial index's
    condition and included columns) with the model's, and reports every such
    index as changed: the pair is kept out when they are the same index. On
    PostgreSQL the database says how it keeps each; elsewhere their SQL is
    compared without spaces, parentheses and casts."""
    removed = {d[1].name: d[1] for d in diff if d[0] == "remove_index"}
    added = {d[1].name: d[1] for d in diff if d[0] == "add_index"}
    if connection.dialect.name == "postgresql":
        def same(name):
            stored = connection.exec_driver_sql("SELECT pg_get_indexdef(%(name)s::regclass)", {"name": name}).scalar()
            return stored == _as_postgresql_keeps_it(connection, added[name])
    else:
        def same(name):
            return _index_sql(removed[name], connection.dialect) == _index_sql(added[name], connection.dialect)
    return {name for name in removed.keys() & added.keys() if same(name)}


def test_migrations_produce_exactly_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; they are compared on PostgreSQL.
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            diff = [d for d in compare_metadata(context, db.metadata) if _ignore_non_schema(d)]
        same = _same_expression_indexes(diff, connection)
    diff = [d for d in diff if not (d[0] in ("remove_index", "add_index") and d[1].name in same)]
    assert diff == []


@pytest.mark.parametrize("name, other", [
    ("ix_visit_officer_returned_first", lambda table: [sa.text("(CASE WHEN state = 'verified' THEN 0 ELSE 1 END)")]),
    ("ix_progress_employer_district_coverage",
     # Not a division: the probe index is built over whatever rows the table holds.
     lambda table: [table.c.district_id, sa.cast(table.c.insured, sa.Float) + sa.cast(table.c.registered, sa.Float)]),
])
def test_expression_index_comparison_sees_a_changed_expression(app, name, other):
    from fieldops.models import EmployerTimeline, Visit

    table = next(m.__table__ for m in (Visit, EmployerTimeline) if any(i.name == name for i in m.__table__.indexes))
    kept = next(i for i in table.indexes if i.name == name)
    changed = sa.Index(name, *other(table), _table=table)
    try:
        with db.engine.connect() as connection:
            assert _same_expression_indexes([("remove_index", kept), ("add_index", kept)], connection) == {name}
            assert _same_expression_indexes([("remove_index", kept), ("add_index", changed)], connection) == set()
    finally:
        table.indexes.discard(changed)


def test_every_index_of_the_models_is_in_the_database(app):
    """By name, expression indexes too: the comparison above cannot read those on
    SQLite, where a migration in batch mode copies the table and drops them."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            names = connection.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        else:
            names = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        stored = set(names.scalars())
    expected = {index.name for table in db.metadata.tables.values() for index in table.indexes}
    assert expected - stored == set()


def test_migrations_are_at_head(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, "migrations have branched; merge them"
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == heads[0]


def test_check_constraints_exist_in_the_database(app, org):
    from fieldops.org.models import OrgUnit

    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as connection:
            connection.execute(
                sa.insert(OrgUnit.__table__).values(code="BAD", name="x", level="galaxy", path="/9/",
                                                    created_at=sa.func.now())
            )
