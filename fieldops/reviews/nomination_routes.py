"""Nominations: choosing a nominee, the form (title and achievement report,
pre-filled from the figures), the list, one nomination with its endorsement,
the council's decision and withdrawal."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from fieldops.auth.access import roles_required
from fieldops.auth.models import Role, User
from fieldops.core.numbers import whole_number
from fieldops.core.paging import page_of
from fieldops.core.translations import gettext as _
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import get_or_404, scoped
from fieldops.progress.format import figure, pct
from fieldops.reviews import criteria as rules
from fieldops.reviews import bp, nomination_operations, standings
from fieldops.reviews.forms import DecisionForm, EndorseForm, NominationForm, RevokeForm, WithdrawForm
from fieldops.reviews.models import Nomination, NominationState, NomineeKind, within
from fieldops.reviews.operations import ReviewError
from fieldops.reviews.routes import READERS, period_or_404, refused, units_of_review
from fieldops.reviews.titles import titles_for

CHOOSER_MAX = 500


def _subject(period):
    """(kind, subject) named by ?officer= or ?unit= (or the form), or (None, None)."""
    for name, kind in (("officer", NomineeKind.individual), ("unit", NomineeKind.collective)):
        raw = request.values.get(name, "")
        if raw:
            number = whole_number(raw)
            if number is None:
                abort(404)
            if kind == NomineeKind.individual:
                person = get_or_404(User, number, current_user)
                if person.role != Role.officer:
                    abort(404)
                return kind, person
            return kind, get_or_404(OrgUnit, number, current_user)
    return None, None


def prefill(period, standing) -> str:
    """A first draft of the achievement report, in Vietnamese (the dossier's language)."""
    f = standing["figures"]
    with force_locale("vi"):
        lines = [_("In the %(campaign)s, counted from %(start)s to %(end)s, %(name)s made %(visits)s verified "
                   "visits to employers and helped %(registrations)s people register on the VssID app.",
                   campaign=period.campaign.name, start=period.campaign.counts_from.strftime("%d/%m/%Y"),
                   end=period.cut_off.strftime("%d/%m/%Y"), name=standing["name"], visits=figure(f["visits"]),
                   registrations=figure(f["registrations"]))]
        if f["employers_full"]:
            lines.append(_("%(n)s employers reached full registration (100%%) after these visits.",
                           n=figure(f["employers_full"])))
        if f["coverage"] is not None:
            lines.append(_("Coverage at the employers in charge: %(pct)s (%(registered)s of %(insured)s insured).",
                           pct=pct(f["coverage"]), registered=figure(f["coverage_registered"]),
                           insured=figure(f["coverage_insured"])))
        if f["followups_done"]:
            lines.append(_("%(on_time)s of %(done)s follow-ups were done on time; %(escalations)s obstacles were "
                           "escalated to the Customer Care Center.", on_time=figure(f["followups_on_time"]),
                           done=figure(f["followups_done"]), escalations=figure(f["escalations"])))
    return "\n\n".join(lines)


def _choices(period):
    root = period.scope_root(current_user)
    people = db.session.scalars(
        sa.select(User).where(User.role == Role.officer, User.org_unit_id.in_(
            sa.select(OrgUnit.id).where(OrgUnit.scope_clause(root))))
        .order_by(User.full_name, User.id).limit(CHOOSER_MAX + 1)).all()
    units = [(i, label) for i, label in units_of_review(period) if i != period.org_unit_id]
    return people[:CHOOSER_MAX], len(people) > CHOOSER_MAX, units[:CHOOSER_MAX]


def _render_form(period, kind, subject, form, status=200, error=None):
    standing = standings.standing_of(period, kind, subject)
    return render_template("reviews/nominate.html", period=period, kind=kind, subject=subject, form=form,
                           standing=standing, results=rules.annotate(standing["results"]), error=error), status


@bp.route("/reviews/<int:period_id>/nominate", methods=["GET", "POST"])
@roles_required(Role.hr)
def nominate(period_id):
    period = period_or_404(period_id)
    kind, subject = _subject(period)
    if subject is None:
        people, more, units = _choices(period)
        return render_template("reviews/choose.html", period=period, people=people, more=more,
                               units=units), 200 if request.method == "GET" else 422
    unit = subject.org_unit if kind == NomineeKind.individual else subject
    form = NominationForm()
    form.award_title_id.choices = [(t.id, t.name) for t in titles_for(current_user, kind)]
    if not within(unit, period.org_unit):
        return render_template("errors/error.html", code=422,
                               message=ReviewError("outside_review").message), 422
    if request.method == "GET":
        standing = standings.standing_of(period, kind, subject)
        form.narrative.data = prefill(period, standing)
        return _render_form(period, kind, subject, form)
    if not form.validate_on_submit():
        return _render_form(period, kind, subject, form, 422)
    title = next((t for t in titles_for(current_user, kind) if t.id == form.award_title_id.data), None)
    try:
        nomination = nomination_operations.nominate(current_user, period, kind, subject, title, form.narrative.data)
        db.session.commit()
    except ReviewError as error:
        db.session.rollback()
        if error.field:
            getattr(form, error.field).errors.append(error.message)
        return _render_form(period_or_404(period_id), kind, subject, form, error.status,
                            None if error.field else error.message)
    flash(_("Nomination recorded."), "success")
    return redirect(url_for("reviews.nomination", nomination_id=nomination.id))


@bp.get("/reviews/<int:period_id>/nominations")
@roles_required(*READERS)
def nominations(period_id):
    period = period_or_404(period_id)
    state = request.args.get("state", "")
    stmt = scoped(Nomination, current_user).where(Nomination.period_id == period.id)
    if state in NominationState.__members__:
        stmt = stmt.where(Nomination.state == NominationState(state))
    else:
        state = ""
        stmt = stmt.where(Nomination.state != NominationState.withdrawn)
    page = page_of(stmt.order_by(Nomination.kind.desc(), Nomination.created_at, Nomination.id))
    keyed = [(n.kind, n.user if n.kind == NomineeKind.individual else n.org_unit) for n in page.items]
    found = standings.standings_for(period, keyed) if keyed else {}
    return render_template("reviews/nominations.html", period=period, page=page, state=state,
                           standing={n.id: found.get(n.subject_key.split("#")[0]) for n in page.items})


def nomination_or_404(nomination_id) -> Nomination:
    return get_or_404(Nomination, nomination_id, current_user)


def render_nomination(nomination, status=200, **forms):
    subject = nomination.user if nomination.kind == NomineeKind.individual else nomination.org_unit
    standing = standings.standing_of(nomination.period, nomination.kind, subject)
    context = {"n": nomination, "period": nomination.period, "standing": standing,
               "results": rules.annotate(standing["results"]),
               "endorse_form": EndorseForm(formdata=None, endorser_name=current_user.full_name
                                           if current_user.role == Role.supervisor else ""),
               "decision_form": DecisionForm(formdata=None, justification=nomination.justification),
               "withdraw_form": WithdrawForm(formdata=None), "revoke_form": RevokeForm(formdata=None)} | forms
    return render_template("reviews/nomination.html", **context), status


@bp.get("/reviews/nominations/<int:nomination_id>")
@roles_required(*READERS)
def nomination(nomination_id):
    return render_nomination(nomination_or_404(nomination_id))


@bp.route("/reviews/nominations/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required(Role.hr)
def nomination_edit(nomination_id):
    n = nomination_or_404(nomination_id)
    kind = NomineeKind(n.kind)
    form = NominationForm(obj=n) if request.method == "GET" else NominationForm()
    form.award_title_id.choices = [(t.id, t.name) for t in titles_for(current_user, kind)]
    if n.award_title_id not in dict(form.award_title_id.choices):
        form.award_title_id.choices.insert(0, (n.award_title_id, n.award_title.name))
    context = {"n": n, "period": n.period, "form": form}
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("reviews/nomination_edit.html", **context), 200 if request.method == "GET" else 422
    title = next((t for t in titles_for(current_user, kind) if t.id == form.award_title_id.data), None)
    try:
        nomination_operations.edit_nomination(current_user, n, title, form.narrative.data)
        db.session.commit()
    except ReviewError as error:
        db.session.rollback()
        n = nomination_or_404(nomination_id)
        if error.field:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(error.message, "error")
        return render_template("reviews/nomination_edit.html", **(context | {"n": n})), error.status
    flash(_("Nomination saved."), "success")
    return redirect(url_for("reviews.nomination", nomination_id=n.id))


def _act(n, form_name, form, change, success):
    if not form.validate_on_submit():
        return render_nomination(n, 422, **{form_name: form})
    try:
        change()
        db.session.commit()
    except ReviewError as error:
        if error.status == 403:
            return refused(error, f"nomination:{n.id}")
        db.session.rollback()
        n = nomination_or_404(n.id)
        if error.field and hasattr(form, error.field):
            getattr(form, error.field).errors.append(error.message)
            return render_nomination(n, error.status, **{form_name: form})
        return render_nomination(n, error.status, error=error.message, **{form_name: form})
    flash(success, "success")
    return redirect(url_for("reviews.nomination", nomination_id=n.id))


@bp.post("/reviews/nominations/<int:nomination_id>/endorse")
@roles_required(Role.hr, Role.supervisor)
def endorse(nomination_id):
    n = nomination_or_404(nomination_id)
    form = EndorseForm()
    return _act(n, "endorse_form", form, lambda: nomination_operations.endorse(
        current_user, n, form.endorser_name.data, form.note.data, justification=form.justification.data or ""),
        _("Endorsement recorded."))


@bp.post("/reviews/nominations/<int:nomination_id>/decide")
@roles_required(Role.hr)
def decide(nomination_id):
    n = nomination_or_404(nomination_id)
    form = DecisionForm()
    return _act(n, "decision_form", form, lambda: nomination_operations.decide(
        current_user, n, form.decision.data == "approved", form.votes_for.data, form.votes_against.data,
        form.votes_abstain.data, form.note.data, justification=form.justification.data or None),
        _("The council's decision is recorded."))


@bp.post("/reviews/nominations/<int:nomination_id>/withdraw")
@roles_required(Role.hr)
def withdraw(nomination_id):
    n = nomination_or_404(nomination_id)
    form = WithdrawForm()
    return _act(n, "withdraw_form", form, lambda: nomination_operations.withdraw(current_user, n, form.reason.data),
                _("Nomination withdrawn."))
