"""The one scoping helper: every query for scoped records goes through here.

A scoped model has `scope_clause(root_unit)`, the SQL condition for "belongs to
this unit's subtree", from one of three mixins, one per way a record belongs to
the tree: `InUnit` (its `org_unit_id`: users, jobs, targets), `InDistrict` (its
`district_id`: employers, visits, follow-ups, group returns) and `PartOf` (a
record of another scoped record: a visit's lines, an employer's departments).
Ids outside the caller's scope answer 404, exactly as ids that do not exist, so
scope cannot be probed.

Records of one district (`InDistrict`) can also be scoped by a parameter:
`in_area(column)` in a statement built once, at import, and `area_of(user)`
among its parameters when it runs. The pages opened most (an officer's home,
every page behind an id) use that: in a page view, building and keying a select
cost more than running it (an officer's "follow-ups due": 4.9 ms of CPU built
on each view, 1.9 ms built once). Records of a unit (`InUnit`) the same way:
`in_subtree(column)` and `subtree_of(root)`.
"""
from functools import cache

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from flask import abort, g, has_request_context

from fieldops.audit.operations import record_denied
from fieldops.core.rows import columns_of, first_instance_of
from fieldops.extensions import db
from fieldops.org.models import OrgUnit, UnitLevel

# Larger ids cannot exist and would overflow PostgreSQL's integer.
MAX_ID = 2**31 - 1


def within(unit: OrgUnit, root: OrgUnit) -> bool:
    """Is `unit` in the subtree of `root` (root included)? Same rule as OrgUnit.scope_clause."""
    return root.contains(unit)


def units_in_scope(root: OrgUnit):
    """Subquery of the ids of `root` and every unit below it."""
    return sa.select(OrgUnit.id).where(OrgUnit.scope_clause(root))


def district_ids_in_scope(root: OrgUnit) -> list[int]:
    """The ids of the districts in `root`'s subtree, as values. Employers belong
    to districts, and their visits, follow-ups and returns carry the district: a
    statement with the ids lets the planner see how small the area is (a
    district out of the country's 700) and read one range of a (district, …)
    index, in order. Read once per request and area: a page scopes several
    queries by the same area."""
    # Below a district there are only teams: the answer needs no read.
    if root.level == UnitLevel.district:
        return [root.id]
    if root.level == UnitLevel.team:
        return []
    memo = g.setdefault("_district_ids_in_scope", {}) if has_request_context() else {}
    key = (root.id, root.path)
    if key not in memo:
        memo[key] = list(db.session.scalars(_DISTRICTS_IN_SUBTREE, subtree_of(root)))
    return memo[key]


def forget_district_ids() -> None:
    """After the org tree changes within a request."""
    if has_request_context():
        g.pop("_district_ids_in_scope", None)


AREA = "area_district_ids"


def in_area(district_column):
    """`district_column` among the area's districts, given when the statement runs."""
    return district_column.in_(sa.bindparam(AREA, expanding=True))


def area_of(user) -> dict:
    """The parameter `in_area` takes: the districts of the user's area."""
    return {AREA: district_ids_in_scope(user.org_unit)}


SUBTREE = "subtree_path"


class _PathRange(sa.sql.functions.FunctionElement):
    """`path >= start AND path < end`, compared byte by byte: PostgreSQL's pattern
    operators, which its path index (text_pattern_ops) reads whatever the database's
    collation; elsewhere the plain ones (SQLite compares text by its bytes)."""

    type = sa.Boolean()
    name = "path_range"
    inherit_cache = True


@compiles(_PathRange)
def _compile_path_range(element, compiler, **kw):
    path, start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    at_least, below = ("~>=~", "~<~") if compiler.dialect.name == "postgresql" else (">=", "<")
    return f"({path} {at_least} {start} AND {path} {below} {end})"


def in_subtree(path_column, name=SUBTREE):
    """`path_column`, a unit's path, within a subtree given when the statement runs
    (`subtree_of(root, name)`): OrgUnit.scope_clause as parameters, on the unit a
    statement built once joins to its records (a user's). On the joined unit, not as
    `IN (units of the subtree)`: with that, PostgreSQL scanned every unit to join
    them back (0.70 against 0.22 ms for the review queue's officer filter). As a
    range of paths, not a LIKE prefix: the statement runs prepared, and PostgreSQL's
    plan for any prefix could not use the path index with a LIKE (it read all the
    units, 0.37 against 0.05 ms)."""
    return _PathRange(path_column, sa.bindparam(name), sa.bindparam(name + "_end"))


def subtree_of(root: OrgUnit, name=SUBTREE) -> dict:
    """The parameters `in_subtree` takes: the paths from `root`'s own, up to the first
    path past every path that starts with it (its last character the next one)."""
    return {name: root.path, name + "_end": root.path[:-1] + chr(ord(root.path[-1]) + 1)}


# The districts of a subtree (district_ids_in_scope), built once: a province's or the
# nation's pages read them on every view.
_DISTRICTS_IN_SUBTREE = sa.select(OrgUnit.id).where(in_subtree(OrgUnit.path), OrgUnit.level == UnitLevel.district)


class InUnit:
    """A record of one unit (its `org_unit_id`), in a unit's scope when its unit is."""

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return cls.org_unit_id.in_(units_in_scope(root))


class PartOf:
    """A record of another scoped record, in scope when that one is. The model names
    it: `scope_parent = (ParentModel, "parent_id")`."""

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        parent, column = cls.scope_parent
        return getattr(cls, column).in_(sa.select(parent.id).where(parent.scope_clause(root)))


class InDistrict:
    """A record of one district (its `district_id`), in a unit's scope when its
    district is. By value, not by a subquery: the planner then sees how small
    the area is (a district's few hundred employers, not the country's 500,000)
    and reads one range of a (district, …) index."""

    @classmethod
    def scope_clause(cls, root: OrgUnit):
        return cls.district_id.in_(district_ids_in_scope(root))

    def in_scope_of(self, user) -> bool:
        """The same rule for a record already read."""
        return self.district_id in district_ids_in_scope(user.org_unit)


def scoped(model, user, stmt=None):
    stmt = sa.select(model) if stmt is None else stmt
    return stmt.where(model.scope_clause(user.org_unit))


# Read as columns and made into the session's object (`instance_of`): the ORM's
# loading cost an employer's page or a visit's submit 0.15-0.2 ms of CPU more.
@cache
def _one_in_area(model):
    return sa.select(*columns_of(model)).where(model.id == sa.bindparam("ident"), in_area(model.district_id))


@cache
def _unit_in_subtree():
    """A unit in the user's subtree: every dashboard, report and export behind a unit's id."""
    return sa.select(*columns_of(OrgUnit)).where(OrgUnit.id == sa.bindparam("ident"), in_subtree(OrgUnit.path))


def get_or_404(model, ident, user):
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        abort(404)
    # Most pages behind an id read by a statement built once (building it cost more than running it).
    if issubclass(model, InDistrict):
        obj = first_instance_of(model, _one_in_area(model), {"ident": ident} | area_of(user))
    elif model is OrgUnit:
        obj = first_instance_of(model, _unit_in_subtree(), {"ident": ident} | subtree_of(user.org_unit))
    else:
        obj = db.session.scalars(scoped(model, user).where(model.id == ident)).first()
    if obj is None:
        if db.session.get(model, ident) is not None:
            record_denied(user, f"{model.__tablename__}:{ident}", "out_of_scope")
        abort(404)
    return obj
