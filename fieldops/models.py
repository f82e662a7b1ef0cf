"""Imports every model so the metadata (and Alembic) sees the whole schema."""
from fieldops.audit.models import AuditEvent  # noqa: F401
from fieldops.auth.models import LoginAttempt, User, UserSession  # noqa: F401
from fieldops.campaigns.models import Campaign  # noqa: F401
from fieldops.employers.models import Employer, LabourDepartment  # noqa: F401
from fieldops.org.models import OrgUnit  # noqa: F401
