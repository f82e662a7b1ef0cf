"""Workflow state machines as tables, and the one way a state changes.

A feature writes its machine as a `Machine`: (state, action) → the state after;
a step not in the table is refused. Its `can_*` methods, pages and operations
read that one table. `move()` takes one step on a row, the same way everywhere:

- one conditional UPDATE, applied only if the row is still in the state the
  actor saw (and still as `where` says: a version, a revision), so that of two
  people acting at once exactly one succeeds, on SQLite as on PostgreSQL;
- the object refreshed whatever happened, so it shows the row as it now is;
- one audit event, `<machine>.<action>` (or the name `events` keeps for the
  action), with the state before and after;
- a stale decision (the row moved meanwhile) raises `Stale` and writes nothing;
  a step the table does not list raises `Refused`. Each feature turns them into
  its own error, with the refreshed object to say what happened instead.
"""
from dataclasses import dataclass, field

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
    # action → the name its audit event keeps when it is not the action's own
    # (two steps recorded as one kind of event, as stored audit rows read them).
    events: dict = field(default_factory=dict)

    def event(self, action) -> str:
        return f"{self.name}.{self.events.get(action, action)}"

    def after(self, state, action):
        """The state `action` leads to from `state`, or None when the table does not list it."""
        return self.steps.get((state, action))

    def allows(self, state, action) -> bool:
        return (state, action) in self.steps

    def sources(self, action) -> frozenset:
        """The states `action` may be taken from."""
        return frozenset(source for (source, step) in self.steps if step == action)


def move(machine: Machine, obj, action, values=None, *, actor=None, actor_name=None, where=(), from_states=None,
         before=None, after=None, now=None, column="state"):
    """Take `action` on `obj` (a model with an `id` column and its state in `column`)
    as `machine` says, setting `values` with the state; returns the audit event.
    Raises Refused or Stale.

    `from_states`: the states the row may have reached meanwhile without making the
    step stale (by default only the one the actor saw). `after`: what the event keeps
    besides the state, or a function of the refreshed object giving it (when the
    step's own values say it)."""
    was = getattr(obj, column)
    target = machine.after(was, action)
    if target is None:
        raise Refused(action)
    model = type(obj)
    state = getattr(model, column)
    now = now or utcnow()
    still = state.in_(list(from_states)) if from_states is not None else state == was
    result = db.session.execute(
        sa.update(model).where(model.id == obj.id, still, *where)
        .values({column: target, **(values or {})})
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(obj)
    if result.rowcount != 1:
        raise Stale(action)
    after = after(obj) if callable(after) else after
    event = record(machine.event(action), actor=actor, actor_name=actor_name, obj=obj,
                   before={column: str(was)} | (before or {}), after={column: str(target)} | (after or {}))
    event.created_at = now
    return event
