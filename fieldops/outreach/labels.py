"""What users read for the outreach enums, in their language."""

from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.translations import lazy_gettext as _l
from fieldops.outreach.models import OUTREACH_GROUPS, OutreachKind, OutreachState, PlanPeriod


def kind_labels():
    return {
        OutreachKind.conference: _l("Conference or meeting"),
        OutreachKind.training: _l("Training session"),
        OutreachKind.registration_drive: _l("On-site registration drive"),
        OutreachKind.school_session: _l("School session"),
        OutreachKind.commune_meeting: _l("Commune or ward meeting"),
        OutreachKind.radio: _l("Radio"),
        OutreachKind.tv: _l("Television"),
        OutreachKind.press: _l("Press"),
        OutreachKind.social_media: _l("Social media post"),
        OutreachKind.printed_material: _l("Printed material"),
        OutreachKind.other: _l("Other outreach"),
    }


def group_labels():
    return {
        ParticipantGroup.compulsory: _l("Employees at employers"),
        ParticipantGroup.voluntary: _l("Voluntary social insurance"),
        ParticipantGroup.household: _l("Household health insurance"),
        ParticipantGroup.students: _l("Students"),
        ParticipantGroup.other: _l("Other groups"),
    }


def state_labels():
    return {OutreachState.planned: _l("Planned"), OutreachState.held: _l("Held, waiting for verification"),
            OutreachState.verified: _l("Held and verified"), OutreachState.cancelled: _l("Cancelled")}


def period_labels():
    return {PlanPeriod.month: _l("Month"), PlanPeriod.quarter: _l("Quarter")}


def kind_choices():
    labels = kind_labels()
    return [(k.value, labels[k]) for k in OutreachKind]


def group_choices():
    labels = group_labels()
    return [(g.value, labels[g]) for g in OUTREACH_GROUPS]


def template_globals():
    return {"outreach_kind_labels": kind_labels(), "outreach_group_labels": group_labels(),
            "outreach_state_labels": state_labels(), "outreach_period_labels": period_labels(),
            "OUTREACH_KINDS": tuple(OutreachKind), "OUTREACH_GROUPS": OUTREACH_GROUPS}
