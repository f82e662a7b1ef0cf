"""Workflow state machines as tables, and the one way a state changes.

A feature writes its machine as a `Machine`: (state, action) → the state after;
a step not in the table is refused. Its `can_*` methods, pages and operations
read that one table. `move()` takes one step on a row, the same way everywhere:

- one conditional UPDATE, applied only if the row is still in the state the
  actor saw (and still as `where` says: a version, a revision), so that of two
  people acting at once exactly one succeeds, on SQLite as on PostgreSQL;
- the object refreshed whatever happened, so it shows the row as it now is;
- one audit event, `<machine>.<action>`, with the state before and after;
- a stale decision (the row moved meanwhile) raises `Stale` and writes nothing;
  a step the table does not list raises `Refused`. Each feature turns them into
  its own error, with the refreshed object to say what happened instead.
"""
from dataclasses import dataclass

import sqlalchemy as sa

from fieldops.audit.operations import record
from fieldops.extensions import db
from fieldops.timeutil import utcnow


class Refused(Exception):
    """The table has no such step from the object's state; nothing was written."""


class Stale(Exception):
    """The row was no longer as the actor saw it; nothing was written."""


@dataclass(frozen=True)
class Machine:
    name: str  # what audit events are named after: "follow_up" → "follow_up.approve"
    steps: dict  # (state, action) → the state after

    def after(self, state, action):
        """The state `action` leads to from `state`, or None when the table does not list it."""
        return self.steps.get((state, action))

    def allows(self, state, action) -> bool:
        return (state, action) in self.steps

    def sources(self, action) -> frozenset:
        """The states `action` may be taken from."""
        return frozenset(source for (source, step) in self.steps if step == action)


def move(machine: Machine, obj, action, values=None, *, actor=None, actor_name=None, where=(), from_states=None,
         before=None, after=None, now=None):
    """Take `action` on `obj` (a model with `id` and `state` columns) as `machine` says,
    setting `values` with the state; returns the audit event. Raises Refused or Stale.

    `from_states`: the states the row may have reached meanwhile without making the
    step stale (by default only the one the actor saw)."""
    was = obj.state
    target = machine.after(was, action)
    if target is None:
        raise Refused(action)
    model = type(obj)
    now = now or utcnow()
    still = model.state.in_(list(from_states)) if from_states is not None else model.state == was
    result = db.session.execute(
        sa.update(model).where(model.id == obj.id, still, *where)
        .values(state=target, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(obj)
    if result.rowcount != 1:
        raise Stale(action)
    event = record(f"{machine.name}.{action}", actor=actor, actor_name=actor_name, obj=obj,
                   before={"state": str(was)} | (before or {}), after={"state": str(target)} | (after or {}))
    event.created_at = now
    return event
