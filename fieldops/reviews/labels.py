"""What users read for the review enums, in their language."""

from fieldops.core.translations import lazy_gettext as _l, lazy_pgettext
from fieldops.reviews.criteria import rule_labels
from fieldops.reviews.models import AppliesTo, DossierStatus, NominationState, NomineeKind, PeriodState, ReviewKind

DEFAULT_TITLES = [
    # name, for whom (the standard forms of award of the emulation movement)
    ("Lao động tiên tiến", AppliesTo.individual),
    ("Chiến sĩ thi đua cơ sở", AppliesTo.individual),
    ("Tập thể lao động xuất sắc", AppliesTo.collective),
    ("Giấy khen", AppliesTo.both),
    ("Bằng khen của Tổng Giám đốc", AppliesTo.both),
]

# The review's name in the documents (official Vietnamese wording).
KIND_VI = {ReviewKind.interim: "sơ kết", ReviewKind.final: "tổng kết"}


def kind_labels():
    return {ReviewKind.interim: _l("Interim review"), ReviewKind.final: _l("Final review")}


def period_state_labels():
    return {PeriodState.open: lazy_pgettext("review period", "Open"), PeriodState.closed: _l("Closed")}


def applies_labels():
    return {AppliesTo.individual: _l("Individuals"), AppliesTo.collective: _l("Collectives"),
            AppliesTo.both: _l("Individuals and collectives")}


def nominee_kind_labels():
    return {NomineeKind.individual: _l("Individual"), NomineeKind.collective: _l("Collective")}


def nomination_state_labels():
    return {NominationState.proposed: _l("Proposed"), NominationState.endorsed: _l("Endorsed"),
            NominationState.approved: _l("Approved by the council"),
            NominationState.rejected: _l("Rejected by the council"), NominationState.withdrawn: _l("Withdrawn"),
            NominationState.revoked: _l("Award revoked")}


def dossier_status_labels():
    return {DossierStatus.draft: _l("Draft"), DossierStatus.final: _l("Final"), DossierStatus.printed: _l("Printed")}


def figure_labels():
    return {
        "visits": _l("Verified visits"),
        "registrations": _l("Registrations assisted"),
        "employers_full": _l("Employers brought to 100%"),
        "coverage": _l("Coverage"),
        "coverage_registered": _l("People registered at the employers in charge"),
        "coverage_insured": _l("People insured at the employers in charge"),
        "followups_done": _l("Follow-ups done"),
        "followups_on_time": _l("Follow-ups done on time"),
        "escalations": _l("Obstacles escalated"),
        "returned_uncorrected": _l("Returned visits not yet corrected"),
        "officers": _l("Officers"),
        "outreach_verified": _l("Outreach activities held and verified"),
    }


def template_globals():
    return {"review_kind_labels": kind_labels(), "period_state_labels": period_state_labels(),
            "rule_labels": rule_labels(), "applies_labels": applies_labels(),
            "nominee_kind_labels": nominee_kind_labels(), "nomination_state_labels": nomination_state_labels(),
            "dossier_status_labels": dossier_status_labels(), "review_figure_labels": figure_labels()}
