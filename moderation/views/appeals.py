"""The artist's view of a decision, appeals, and the appeals queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required, moderator_required
from moderation import selectors
from moderation.forms import AppealDecideForm, AppealForm
from moderation.models import Appeal, Decision
from moderation.services import ModerationError
from moderation.services.access import appeal_conflict
from moderation.services.appeals import appeal_create, appeal_decide, appeal_subject
from moderation.views.common import appeal_to_decide, forbidden_is_403


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def decision_detail(request, pk: int):
    """The artist (or a moderator) sees a decision, its reason and evidence, and may appeal."""
    decision = get_object_or_404(Decision.objects.select_related("case", "case__artwork"), pk=pk)
    subject = appeal_subject(decision)
    is_subject = subject is not None and subject.pk == request.user.pk
    if not (is_subject or request.user.is_moderator):
        raise Http404("No such decision.")
    appeal = Appeal.objects.filter(decision=decision).first()
    form = AppealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not is_subject:
            raise Http404("No such decision.")
        if form.is_valid():
            try:
                appeal_create(
                    appellant=request.user,
                    decision=decision,
                    statement=form.cleaned_data["statement"],
                    files=request.FILES.getlist("files"),
                )
            except ModerationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Your appeal is with the moderators.")
                return redirect("moderation:decision", pk=pk)
    evidence = [
        e.get("summary") or e.get("value")
        for flag in decision.case.flags.all()
        if flag.reporter_id is None
        for e in flag.evidence
    ]
    return render(
        request,
        "moderation/decision_detail.html",
        {
            "decision": decision,
            "appeal": appeal,
            "form": form,
            "is_subject": is_subject,
            "evidence": evidence,
            "can_appeal": is_subject
            and appeal is None
            and decision.action != "dismiss"
            and decision.reversed_at is None,
        },
        status=400 if form.errors else 200,
    )


@moderator_required
def appeal_queue(request):
    return render(
        request, "moderation/appeal_list.html", {"appeals": list(selectors.appeals_queue()[:100])}
    )


@moderator_required
def appeal_detail(request, pk: int):
    appeal = get_object_or_404(
        Appeal.objects.select_related("decision", "decision__case", "decision__case__artwork",
                                      "decision__moderator", "appellant"),
        pk=pk,
    )  # fmt: skip
    return render(
        request,
        "moderation/appeal_detail.html",
        {
            "appeal": appeal,
            "form": AppealDecideForm(),
            "conflict": appeal_conflict(moderator=request.user, appeal=appeal),
            "files": list(appeal.files.all()),
        },
    )


@require_POST
@moderator_required
@forbidden_is_403
def appeal_decide_view(request, pk: int):
    appeal_to_decide(request, pk)
    form = AppealDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an outcome and write a response.")
        return redirect("moderation:appeal", pk=pk)
    try:
        appeal_decide(
            moderator=request.user,
            appeal_id=pk,
            uphold=form.cleaned_data["outcome"] == "uphold",
            response=form.cleaned_data["response"],
        )
    except ModerationError as exc:
        messages.error(request, str(exc))
        return redirect("moderation:appeal", pk=pk)
    messages.success(request, "The appeal is decided and the artist has been told.")
    return redirect("moderation:appeals")
