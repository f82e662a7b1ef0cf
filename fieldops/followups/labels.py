"""What users read for the follow-up enums, in their language."""

from fieldops.core.translations import lazy_gettext as _l
from fieldops.followups.models import CareAnswer, FollowUpKind, FollowUpState, NoticeEvent
from fieldops.visits.labels import obstacle_labels


def kind_labels():
    return {
        FollowUpKind.revisit: _l("Revisit to register the rest"),
        FollowUpKind.training: _l("Training session at the employer"),
        FollowUpKind.escalation: _l("Escalation to the Customer Care Center"),
        FollowUpKind.data_correction: _l("Data correction"),
    }


def short_kind_labels():
    return {
        FollowUpKind.revisit: _l("Revisit"),
        FollowUpKind.training: _l("Training"),
        FollowUpKind.escalation: _l("Escalation"),
        FollowUpKind.data_correction: _l("Data correction"),
    }


def state_labels():
    return {
        FollowUpState.proposed: _l("Proposed"),
        FollowUpState.approved: _l("Approved"),
        FollowUpState.rejected: _l("Rejected"),
        FollowUpState.in_progress: _l("In progress"),
        FollowUpState.done: _l("Done"),
        FollowUpState.cancelled: _l("Cancelled"),
    }


def notice_labels():
    return {
        NoticeEvent.assigned: _l("assigned to you"),
        NoticeEvent.approved: _l("approved"),
        NoticeEvent.rejected: _l("rejected and returned to you"),
        NoticeEvent.cancelled: _l("cancelled"),
        NoticeEvent.unassigned: _l("given to someone else"),
        NoticeEvent.care_answered: _l("answered by the Customer Care Center"),
        NoticeEvent.due_tomorrow: _l("due tomorrow"),
        NoticeEvent.visit_returned: _l("returned to you"),
        NoticeEvent.visit_verified: _l("verified"),
        NoticeEvent.return_missing: _l("returns not filed for the month just closed"),
    }


def care_answer_labels():
    return {
        CareAnswer.resolved: _l("Resolved by the Center"),
        CareAnswer.needs_officer: _l("Needs the officer"),
        CareAnswer.not_ours: _l("Not the Center's to fix"),
    }


def kind_choices():
    return [(k.value, v) for k, v in kind_labels().items()]


def state_choices():
    return [(k.value, v) for k, v in state_labels().items()]


def template_globals():
    return {
        "followup_obstacle_labels": obstacle_labels(),
        "followup_kind_labels": kind_labels(),
        "followup_short_kinds": short_kind_labels(),
        "followup_state_labels": state_labels(),
        "followup_notice_labels": notice_labels(),
        "followup_care_labels": care_answer_labels(),
    }
