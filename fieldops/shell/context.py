"""What every page's frame shows: the navigation per role, its own words, the role and level labels.

Every page renders the frame, so what it needs is made once per process: the
labels stay lazy (translated where a page shows them), and each role's
navigation is translated once per language.
"""
from functools import cache

from flask import has_request_context
from flask_babel import get_locale
from flask_login import current_user

from fieldops.auth.forms import role_choices
from fieldops.auth.models import Role
from fieldops.core.translations import gettext as _, lazy_gettext as _l, ngettext
from fieldops.org.models import UnitLevel


def register(app):
    @app.context_processor
    def shell_context():
        locale = str(get_locale())
        signed_in = has_request_context() and current_user.is_authenticated
        return {
            "Role": Role,
            "current_locale": locale,
            "nav_items": translated_nav(current_user.role, locale) if signed_in else (),
            "nav_primary": nav_primary(),
            "frame": frame_texts(locale),
            "role_labels": role_labels(),
            "level_labels": level_labels(),
        }


@cache
def translated_nav(role, _locale):
    """nav_items() of a role with its labels translated into the language in force (the cache's key)."""
    return tuple((endpoint, str(label)) for endpoint, label in nav_items(role))


@cache
def frame_texts(_locale):
    """The frame's own words, in the language in force (the cache's key): the same on
    every page, so translated once per language rather than on each page."""
    return {
        "connection_lost": _("No connection: this part of the page was not updated. "
                             "Try again when the connection returns."),
        "server_error": _("The server did not answer: this part of the page was not updated. "
                          "Try again in a moment."),
        "errors_one": ngettext("There is %(num)d error to correct", "There are %(num)d errors to correct", 1),
        "errors_many": _("There are %(num)s errors to correct", num="{n}"),
        "scroll_hint": _("Wider than the screen: swipe the table sideways to see every column."),
        "main_navigation": _("Main navigation"),
        "more": _("More"),
        "sign_out_waiting": _("Items kept on this tablet are still waiting to be sent. "
                              "They will be sent after you sign in again. Sign out anyway?"),
        "sign_out": _("Sign out"),
        "outbox": _("Outbox"),
        "my_account": _("My account"),
        "outbox_waiting": _("Items kept on this tablet, waiting to be sent: %(n)s", n="{n}"),
        "outbox_sending": _("Sending the items kept on this tablet…"),
        "outbox_sent": _("The items kept on this tablet have been sent."),
        "outbox_signin": _("Sign in again to send the items kept on this tablet."),
        "outbox_attention": _("A visit kept on this tablet needs correcting before it can be sent:"),
        "outbox_refused": _("The server refused an item kept on this tablet (%(label)s): the outbox says why.",
                            label="{label}"),
        "district_not_kept": _("Your district is not kept on this tablet yet: without a connection, FieldOps cannot "
                               "be used here until it is. Keep the connection a moment longer, or open this page "
                               "again."),
        "open_it": _("Open it"),
        "send_now": _("Send now"),
    }


@cache
def role_labels():
    return dict(role_choices())


@cache
def level_labels():
    return {
        UnitLevel.national: _l("National"),
        UnitLevel.province: _l("Province"),
        UnitLevel.district: _l("District"),
        UnitLevel.team: _l("Team"),
    }


# The destinations each role uses most, shown in the top bar's row; every other one
# is in its "More" menu. Only the first two fit beside the rest in portrait (800 px).
NAV_PRIMARY = {
    Role.officer: ("visits.start", "visits.mine", "followups.mine"),
    Role.supervisor: ("visits.queue", "followups.queue", "progress.dashboard_home"),
    Role.viewer: ("progress.dashboard_home", "returns.index", "reviews.index"),
    Role.hr: ("reviews.index", "progress.dashboard_home", "progress.targets"),
    Role.admin: ("auth.users", "employers.index", "org.units"),
    Role.care: ("followups.care_queue", "followups.queue"),
}
NAV_PRIMARY_PORTRAIT = 2


def nav_primary():
    """Endpoint → True when the top bar shows it in portrait too, False when in landscape only."""
    if not has_request_context() or not current_user.is_authenticated:
        return {}
    return {endpoint: i < NAV_PRIMARY_PORTRAIT for i, endpoint in enumerate(NAV_PRIMARY.get(current_user.role, ()))}


def nav_items(role):
    """Navigation per role: (endpoint, label)."""
    items = [("core.home", _l("Home"))]
    if role == Role.admin:
        items += [
            ("org.units", _l("Org units")),
            ("campaigns.index", _l("Campaigns")),
            ("auth.users", _l("Users")),
            ("employers.index", _l("Employers")),
        ]
    else:
        items.append(("employers.index", _l("Employers")))
    if role == Role.officer:
        items += [("visits.start", _l("New visit")), ("visits.mine", _l("My visits"))]
    elif role == Role.supervisor:
        items.append(("visits.queue", _l("Review queue")))
    if role == Role.care:
        # The Customer Care Center answers the escalations supervisors approved (fieldops/followups/care.py).
        return items + [("followups.care_queue", _l("Escalations to answer")),
                        ("followups.queue", _l("Follow-ups"))]
    # Follow-ups (fieldops/followups): the officer's own queue, everyone else's area queue.
    items.append(("followups.mine", _l("My follow-ups")) if role == Role.officer
                 else ("followups.queue", _l("Follow-ups")))
    # Progress (fieldops/progress): the officer's own achievements, everyone else's dashboard; targets.
    items.append(("progress.mine", _l("My achievements")) if role == Role.officer
                 else ("progress.dashboard_home", _l("Progress")))
    # Group returns (fieldops/returns): the districts file them monthly; everyone reads their area's.
    items.append(("returns.index", _l("Group returns")))
    # Outreach (fieldops/outreach): the districts plan and record it; leadership reads it.
    if role in (Role.officer, Role.supervisor, Role.viewer):
        items.append(("outreach.index", _l("Outreach")))
    if role in (Role.admin, Role.hr):
        items.append(("progress.targets", _l("Targets")))
    # Reviews (fieldops/reviews): HR runs them; leadership, supervisors and admins read them.
    if role != Role.officer:
        items.append(("reviews.index", _l("Interim and final reviews")))
    return items
