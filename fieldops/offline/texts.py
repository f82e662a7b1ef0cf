"""What the offline pages say, in the officer's language, given to offline_pages.js
with the page the service worker keeps. `{name}` marks what the script fills in."""

from fieldops.core.translations import gettext as _
from fieldops.followups.labels import kind_labels, state_labels as followup_state_labels
from fieldops.followups.models import OPEN_STATES, OUTCOME_MAX
from fieldops.visits.labels import purpose_labels, state_labels as visit_state_labels


def strings() -> dict:
    return {
        "age": _("Data kept on this tablet, as of %(when)s.", when="{when}"),
        "never": _("Nothing is kept on this tablet yet: open FieldOps once with a connection."),
        "not_yours": _("The district kept on this tablet is %(owner)s's. You (%(name)s) signed in since, and yours "
                       "has not arrived yet: open FieldOps once with a connection to get it before working offline.",
                       owner="{owner}", name="{name}"),
        "hello": _("Hello, %(name)s", name="{name}"),
        "area": _("Your area: %(unit)s", unit="{unit}"),
        "search": _("Search employers by name, unit code or tax code"),
        "found": _("Employers found: %(n)s", n="{n}"),
        "first": _("The first %(n)s are shown; type more to narrow the search.", n="{n}"),
        "none_found": _("No employer of your district matches."),
        "employers_kept": _("Employers of your district kept on this tablet: %(n)s", n="{n}"),
        "unit_code": _("Unit code"),
        "tax_code": _("Tax code"),
        "departments": _("Labour departments"),
        "department": _("Department"),
        "insured": _("Insured"),
        "registered": _("Registered"),
        "active": _("Active"),
        "coverage": _("Coverage"),
        "figures_of": _("Figures of"),
        "new_visit": _("New visit"),
        "not_kept": _("This employer is not kept on this tablet."),
        "my_visits": _("My visits"),
        "no_visits": _("You have not recorded any visit yet."),
        "my_followups": _("My follow-ups"),
        "no_followups": _("No follow-up is assigned to you."),
        "due": _("Due %(date)s", date="{date}"),
        "needs_network": _("This page needs a connection. It opens again when the connection returns."),
        "outbox": _("Outbox"),
        "outbox_empty": _("Nothing is waiting to be sent from this tablet."),
        "waiting": _("Waiting to be sent"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "refused": _("Refused: open it to correct it"),
        "refused_action": _("Refused by the server"),
        "open_record": _("Open the record"),
        "open_fix": _("Open it to correct it"),
        "send_now": _("Send now"),
        "answer": _("The server answered: %(why)s", why="{why}"),
        "discard": _("Remove from this tablet"),
        "discard_confirm": _("Remove this item from the tablet? It will not be sent."),
        "queued_at": _("Kept on this tablet on %(when)s", when="{when}"),
    }


def labels() -> dict:
    return {
        "outcome_max": OUTCOME_MAX,
        "purpose": {str(k): str(v) for k, v in purpose_labels().items()},
        "visit_state": {str(k): str(v) for k, v in visit_state_labels().items()},
        "followup_kind": {str(k): str(v) for k, v in kind_labels().items()},
        "followup_state": {str(k): str(v) for k, v in followup_state_labels().items()},
        "open_states": [str(state) for state in OPEN_STATES],
        "actions": {"start": _("Start"), "complete": _("Mark done"), "outcome": _("Outcome"),
                    "propose": _("Propose a follow-up"), "kind": _("Kind"), "due": _("Due date"), "note": _("Note"),
                    "proposed": _("The follow-up waits in the outbox; it is sent after the visit.")},
    }
