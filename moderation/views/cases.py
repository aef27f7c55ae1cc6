"""The moderators' queue, a case page, claims and decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from accounts.access import moderator_required
from accounts.redirects import safe_next_url
from gallery.storage import private_storage
from moderation import selectors
from moderation.forms import DecideForm, EvidenceRequestForm, UnsuspendForm
from moderation.models import AppealFile, AuditEntry, Case, CaseSubject, FlagReason
from moderation.services import decisions as decision_services
from moderation.services.access import case_conflict
from moderation.views.common import SHOWN_ON_PAGE, case_to_act_on

# The queue's tabs by kind of case: (subject, tab name).
QUEUE_TABS = (
    (None, "All cases"),
    (CaseSubject.ARTWORK, "Posts"),
    (CaseSubject.COMMENT, "Comments"),
    (CaseSubject.COLLECTION, "Collections"),
)


def _query(filters: dict) -> str:
    return urlencode({key: value for key, value in filters.items() if value})


@moderator_required
def queue(request):
    reason = request.GET.get("reason") or None
    if reason not in FlagReason.values:
        reason = None
    age = request.GET.get("age") if request.GET.get("age") in selectors.AGES else None
    subject = request.GET.get("subject")
    if subject not in CaseSubject.values:
        subject = None
    page = selectors.queue_page(
        selectors.queue_cases(reason=reason, age=age, subject=subject), request.GET.get("after")
    )
    filters = {"subject": subject, "reason": reason, "age": age}
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "reason": reason,
            "age": age,
            "subject": subject,
            "filters": _query(filters),
            # Each tab keeps the other filters: (name, query string, current).
            "tabs": [
                (name, _query({**filters, "subject": value}), value == subject)
                for value, name in QUEUE_TABS
            ],
            "reasons": FlagReason.choices,
            "ages": [("day", "Last 24 hours"), ("week", "Last 7 days"), ("older", "Older")],
        },
    )


@moderator_required
def case_detail(request, pk: int):
    case = get_object_or_404(
        Case.objects.select_related(
            "artwork",
            "artwork__artist",
            "comment",
            "comment__artwork",
            "collection",
            "claimed_by",
        ),
        pk=pk,
    )
    context = selectors.case_detail(case)
    context.update(
        {
            "decide_form": DecideForm(subject=case.subject),
            "evidence_form": EvidenceRequestForm(),
            "unsuspend_form": UnsuspendForm(),
            "claimed_by_other": case.claimed_by_other(request.user),
            "conflict": case_conflict(moderator=request.user, case=case),
            "decision": case.decisions.select_related("moderator").first(),
            "process_evidence": list(case.evidence_files.all()),
        }
    )
    return render(request, "moderation/case_detail.html", context)


@require_POST
@moderator_required
def case_claim(request, pk: int):
    case_to_act_on(request, pk)
    try:
        decision_services.case_claim(moderator=request.user, case_id=pk)
    except SHOWN_ON_PAGE as exc:
        messages.error(request, exc.message)
    return redirect("moderation:case", pk=pk)


@require_POST
@moderator_required
def case_release(request, pk: int):
    case_to_act_on(request, pk)
    decision_services.case_release(moderator=request.user, case_id=pk)
    return redirect("moderation:queue")


@require_POST
@moderator_required
def case_decide(request, pk: int):
    case = case_to_act_on(request, pk)
    form = DecideForm(request.POST, subject=case.subject)
    if form.is_valid():
        try:
            decision_services.case_decide(
                moderator=request.user,
                case_id=case.pk,
                **DecideForm.decision_arguments(form.cleaned_data),
            )
        except SHOWN_ON_PAGE as exc:
            messages.error(request, exc.message)
            return redirect("moderation:case", pk=pk)
        who = (
            "comment's author"
            if case.is_about_comment
            else "collection's owner"
            if case.is_about_collection
            else "artist"
        )
        messages.success(request, f"Decided. The {who} and reporters have been told.")
        return redirect("moderation:queue")
    context = selectors.case_detail(case)
    context.update(
        {
            "decide_form": form,
            "evidence_form": EvidenceRequestForm(),
            "unsuspend_form": UnsuspendForm(),
            "claimed_by_other": case.claimed_by_other(request.user),
            # case_to_act_on has already refused a party with a 403: there is none here.
            "conflict": None,
        }
    )
    return render(request, "moderation/case_detail.html", context, status=400)


@require_POST
@moderator_required
def case_request_evidence(request, pk: int):
    case_to_act_on(request, pk)
    form = EvidenceRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write what you are asking for.")
        return redirect("moderation:case", pk=pk)
    try:
        decision_services.case_request_evidence(
            moderator=request.user, case_id=pk, reason=form.cleaned_data["reason"]
        )
    except SHOWN_ON_PAGE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The artist has been asked for process evidence.")
    return redirect("moderation:case", pk=pk)


@require_POST
@moderator_required
def user_unsuspend(request, handle: str):
    person = get_object_or_404(get_user_model().objects.by_handle(handle))
    form = UnsuspendForm(request.POST)
    if form.is_valid():
        decision_services.user_unsuspend(
            moderator=request.user, user=person, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"@{person.handle} is no longer suspended.")
    else:
        messages.error(request, "Write the reason for lifting the suspension.")
    return redirect(safe_next_url(request, default="moderation:queue"))


@require_GET
@moderator_required
def audit_log(request):
    entries = AuditEntry.objects.select_related("actor")[:200]
    return render(request, "moderation/audit_list.html", {"entries": entries})


@moderator_required
def appeal_file(request, pk: int):
    item = get_object_or_404(AppealFile, pk=pk)
    try:
        handle = private_storage().open(item.file.name, "rb")
    except FileNotFoundError:
        raise Http404("The file is gone.") from None
    response = FileResponse(handle, content_type=f"image/{item.format.lower()}")
    # An artist's upload served from the site's own origin: downloaded, never rendered
    # inline, and kept by no cache, since only moderators may see it.
    response["Content-Disposition"] = f'attachment; filename="appeal-{item.appeal_id}-{pk}"'
    response["Cache-Control"] = "private, no-store"
    return response
