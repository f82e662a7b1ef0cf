"""What users read for the group return enums, in their language."""

from fieldops.campaigns.models import ParticipantGroup
from fieldops.core.translations import lazy_gettext as _l
from fieldops.returns.models import RETURN_GROUPS, ReturnState


def group_labels():
    return {
        ParticipantGroup.voluntary: _l("Voluntary social insurance"),
        ParticipantGroup.household: _l("Household health insurance"),
        ParticipantGroup.students: _l("Students"),
        ParticipantGroup.other: _l("Other state-supported groups"),
    }


def group_choices():
    labels = group_labels()
    return [(g.value, labels[g]) for g in RETURN_GROUPS]


def state_labels():
    return {ReturnState.filed: _l("Filed"), ReturnState.locked: _l("Locked")}


def figure_labels():
    return {
        "participants": _l("Participants at month end"),
        "registered": _l("Of them registered on the app"),
        "using": _l("Of them using the app"),
        "new_participants": _l("New participants in the month"),
        "new_registered": _l("Of them registered on the app (new)"),
    }
