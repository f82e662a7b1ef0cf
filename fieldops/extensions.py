"""Extensions, created once and bound to the app in create_app."""
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The read replica's bind and the session's marks (fieldops/core/replica.py).
REPLICA_BIND = "replica"
READS_REPLICA = "fieldops_reads_replica"
WROTE = "fieldops_session_wrote"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, sending the plain SELECTs of a view marked
    `reads_replica` to the replica, unless the session has written."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.info.get(READS_REPLICA) and getattr(clause, "is_select", False) \
                and getattr(clause, "_for_update_arg", None) is None and not self.info.get(WROTE) \
                and not (self._flushing or self.new or self.dirty or self.deleted):
            return self._db.engines[REPLICA_BIND]
        return super().get_bind(mapper, clause, bind, **kwargs)


db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention), session_options={"class_": Session})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
