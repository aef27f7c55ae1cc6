"""The artist's view of a decision, appeals, and the appeals queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required, moderator_required
from config.errors import form_error
from moderation import selectors
from moderation.forms import AppealDecideForm, AppealForm
from moderation.models import Appeal, Decision
from moderation.services import ModerationError
from moderation.services.access import appeal_conflict
from moderation.services.appeals import (
    appeal_create,
    appeal_decide,
    appeal_refusal,
    appeal_subject,
)
from moderation.views.common import SHOWN_ON_PAGE, appeal_to_decide


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def decision_detail(request, pk: int):
    """The artist (or a moderator) sees a decision, its reason and evidence, and may appeal."""
    decision = get_object_or_404(
        Decision.objects.select_related(
            "case",
            "case__artwork",
            "case__comment",
            "case__comment__artwork",
            "case__comment__author",
        ),
        pk=pk,
    )
    subject = appeal_subject(decision)
    is_subject = subject is not None and subject.pk == request.user.pk
    if not (is_subject or request.user.is_moderator):
        raise Http404("No such decision.")
    appeal = Appeal.objects.filter(decision=decision).first()
    form = AppealForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
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
                status = form_error(form, exc)
            else:
                messages.success(request, "Your appeal is with the moderators.")
                return redirect("moderation:decision", pk=pk)
    return render(
        request,
        "moderation/decision_detail.html",
        {
            "decision": decision,
            "appeal": appeal,
            "form": form,
            "is_subject": is_subject,
            "evidence": selectors.flag_evidence_words(
                decision.case.flags.filter(reporter__isnull=True)
            ),
            # The service's own rule, so the form shows exactly when an appeal would be taken.
            "can_appeal": is_subject
            and appeal_refusal(appellant=request.user, decision=decision) is None,
        },
        status=status,
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
                                      "decision__case__comment", "decision__case__comment__artwork",
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
    except SHOWN_ON_PAGE as exc:
        messages.error(request, exc.message)
        return redirect("moderation:appeal", pk=pk)
    messages.success(request, "The appeal is decided and the artist has been told.")
    return redirect("moderation:appeals")
