"""The suite's schema is built by the migrations (see conftest); here we prove it
is exactly what the models describe, on SQLite and PostgreSQL alike."""
import re
import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.schema import CreateIndex

from fieldops.extensions import db


def _ignore_non_schema(diff):
    # Alembic's own bookkeeping table is not part of the models.
    return not (diff[0] == "remove_table" and diff[1].name == "alembic_version")


def _index_sql(index, dialect) -> str:
    text = str(CreateIndex(index).compile(dialect=dialect)).lower()
    text = re.sub(r"::\w+", "", text.replace(f"{index.table.name}.", ""))
    return re.sub(r"[\s()\"]", "", text)


def _same_expression_indexes(diff, dialect):
    """Alembic compares an expression index's text as PostgreSQL reflects it (with
    casts, parentheses and line breaks) to the model's, and reports every such
    index as changed: the pair is kept out when both are the same SQL once those
    are taken away."""
    removed = {d[1].name: d[1] for d in diff if d[0] == "remove_index"}
    added = {d[1].name: d[1] for d in diff if d[0] == "add_index"}
    return {name for name in removed.keys() & added.keys()
            if _index_sql(removed[name], dialect) == _index_sql(added[name], dialect)}


def test_migrations_produce_exactly_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; the one above is compared on PostgreSQL.
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            diff = [d for d in compare_metadata(context, db.metadata) if _ignore_non_schema(d)]
    same = _same_expression_indexes(diff, db.engine.dialect)
    diff = [d for d in diff if not (d[0] in ("remove_index", "add_index") and d[1].name in same)]
    assert diff == []


def test_expression_index_comparison_sees_a_changed_expression(app):
    import sqlalchemy as sa

    from fieldops.visits.models import Visit

    table = Visit.__table__
    kept = next(i for i in table.indexes if i.name == "ix_visit_officer_returned_first")
    other = sa.Index(kept.name, sa.text("(CASE WHEN state = 'verified' THEN 0 ELSE 1 END)"), _table=table)
    try:
        assert _same_expression_indexes([("remove_index", kept), ("add_index", kept)], db.engine.dialect) == {kept.name}
        assert _same_expression_indexes([("remove_index", kept), ("add_index", other)], db.engine.dialect) == set()
    finally:
        table.indexes.discard(other)


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
