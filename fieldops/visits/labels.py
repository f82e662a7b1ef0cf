"""What users read for the visit enums, in their language."""

from fieldops.core.translations import lazy_gettext as _l
from fieldops.visits.models import ObstacleCategory, ReviewState, VisitPurpose


def purpose_labels():
    return {
        VisitPurpose.guidance: _l("Guidance"),
        VisitPurpose.registration_drive: _l("Registration drive"),
        VisitPurpose.verification: _l("Verification"),
        VisitPurpose.communication_session: _l("Communication session"),
    }


def obstacle_labels():
    return {
        ObstacleCategory.no_smartphone: _l("No smartphone"),
        ObstacleCategory.no_own_phone_number: _l("No phone number of their own"),
        ObstacleCategory.identity_data_mismatch: _l("Identity data mismatch"),
        ObstacleCategory.otp_not_received: _l("OTP not received"),
        ObstacleCategory.app_error: _l("App error"),
        ObstacleCategory.employer_declined: _l("Employer declined"),
        ObstacleCategory.worker_declined: _l("Worker declined"),
        ObstacleCategory.other: _l("Other"),
    }


def state_labels():
    return {
        ReviewState.submitted: _l("Waiting for review"),
        ReviewState.verified: _l("Verified"),
        ReviewState.returned: _l("Returned"),
    }


def purpose_choices():
    return [(k.value, v) for k, v in purpose_labels().items()]


def obstacle_choices():
    return [(k.value, v) for k, v in obstacle_labels().items()]


def template_globals():
    return {
        "purpose_labels": purpose_labels(),
        "obstacle_labels": obstacle_labels(),
        "state_labels": state_labels(),
    }
