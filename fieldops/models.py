"""Imports every model so the metadata (and Alembic) sees the whole schema."""
from fieldops.audit.models import AuditEvent  # noqa: F401
from fieldops.auth.models import LoginAttempt, User, UserSession  # noqa: F401
from fieldops.campaigns.models import Campaign  # noqa: F401
from fieldops.employers.models import Employer, LabourDepartment  # noqa: F401
from fieldops.org.models import OrgUnit  # noqa: F401
from fieldops.visits.models import Obstacle, Visit, VisitLine, VisitRevision  # noqa: F401
from fieldops.followups.models import FollowUp, FollowUpNotice  # noqa: F401
from fieldops.progress.models import (  # noqa: F401
    ActivityCount, EmployerTimeline, ObstacleCount, StockDelta, Target,
)
from fieldops.jobs.models import Job  # noqa: F401
from fieldops.reviews.models import (  # noqa: F401
    AwardTitle, Criterion, Dossier, Nomination, ReviewFigure, ReviewPeriod,
)
from fieldops.reviews.paper import UnitSigner, VerifyAttempt  # noqa: F401
from fieldops.returns.models import GroupReturn, ReturnCorrection  # noqa: F401
from fieldops.outreach.models import (  # noqa: F401
    OutreachActivity, OutreachActivityGroup, OutreachPhoto, OutreachPlanLine,
)
