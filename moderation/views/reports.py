"""The moderators' dashboard (charts, CSV) and the public transparency page."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import moderator_required
from gallery.models import Label
from gallery.selectors import rescan_latest
from moderation.models import FlagReason, Report
from moderation.services.reports import reports_build_current
from moderation.templatetags.moderation_format import hours_duration

# (report key, CSV heading, page heading). The CSV keeps raw numbers (hours, shares in 0..1)
# for spreadsheets; the page shows durations and percentages, so its headings say so.
COLUMNS = [
    ("start", "Period start", "Period start"),
    ("cases_opened_total", "Cases opened", "Cases opened"),
    ("cases_closed_total", "Cases closed", "Cases closed"),
    ("decisions", "Decisions", "Decisions"),
    ("hours_to_decision_median", "Median hours to decision", "Median time to decision"),
    ("hours_to_decision_p90", "90th percentile hours to decision", "90th percentile time"),
    ("upheld_share", "Upheld share", "Upheld"),
    ("dismissed_share", "Dismissed share", "Dismissed"),
    (
        "provenance_flags_upheld_share",
        "Provenance auto-flags upheld",
        "Provenance auto-flags upheld",
    ),
    ("appeals_decided", "Appeals decided", "Appeals decided"),
    ("appeals_overturned_share", "Appeals overturned share", "Appeals overturned"),
]


def _bars(reports: list[Report], key: str, fmt=str) -> list[dict]:
    """Bar-chart rows (value, its text, width in percent of the largest) for an SVG chart."""
    values = [(r.start, r.data.get(key) or 0) for r in reversed(reports)]
    top = max((v for _, v in values), default=0) or 1
    return [
        {"label": f"{s:%d %b}", "value": v, "text": fmt(v), "width": round(100 * v / top, 1)}
        for s, v in values
    ]


def _reports(period: str, limit: int) -> list[Report]:
    if period not in Report.Period.values:
        period = Report.Period.WEEKLY
    return list(Report.objects.filter(period=period).order_by("-start")[:limit])


@require_POST
@moderator_required
def reports_build_now(request):
    """Rebuild today's and this week's reports so far (idempotent: a second click rebuilds
    the same two rows)."""
    reports_build_current()
    messages.success(request, "Today's and this week's reports are up to date.")
    return redirect("moderation:dashboard")


@moderator_required
def dashboard(request):
    period = request.GET.get("period", Report.Period.DAILY)
    reports = _reports(period, 30)
    latest = reports[0] if reports else None
    reasons = dict(FlagReason.choices)
    return render(
        request,
        "moderation/dashboard.html",
        {
            "period": period,
            "reports": reports,
            "latest": latest,
            "opened_chart": _bars(reports, "cases_opened_total"),
            "closed_chart": _bars(reports, "cases_closed_total"),
            "hours_chart": _bars(reports, "hours_to_decision_median", hours_duration),
            "reason_rows": [
                (reasons.get(k, k), v)
                for k, v in sorted((latest.data.get("cases_opened") or {}).items())
            ]
            if latest
            else [],
            "label_names": dict(Label.choices),
            "columns": [(key, heading) for key, _, heading in COLUMNS],
            "rescan": rescan_latest(),
        },
    )


@moderator_required
def dashboard_csv(request):
    period = request.GET.get("period", Report.Period.DAILY)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="atelier-moderation-{period}.csv"'
    writer = csv.writer(response)
    labels = Label.values
    writer.writerow([title for _, title, _ in COLUMNS] + [f"Mislabel rate {lb}" for lb in labels])
    for report in _reports(period, 366):
        mislabel = report.data.get("mislabel_by_label") or {}
        writer.writerow(
            [report.data.get(key, "") for key, _, _ in COLUMNS]
            + [(mislabel.get(lb) or {}).get("rate", "") for lb in labels]
        )
    return response


def transparency(request):
    """Public aggregates: no names, no individual cases."""
    reports = _reports(Report.Period.WEEKLY, 12)
    return render(
        request,
        "moderation/transparency.html",
        {
            "reports": reports,
            "opened_chart": _bars(reports, "cases_opened_total"),
            "label_names": dict(Label.choices),
        },
    )
