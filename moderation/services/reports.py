"""Periodic moderation reports: what was flagged, how fast and how it was decided."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gallery.models import Label
from moderation.models import Appeal, Case, Decision, Flag, FlagSource, Report

PERIOD_DAYS = {Report.Period.DAILY: 1, Report.Period.WEEKLY: 7}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    # Linear interpolation between the two nearest ranks (numpy's default): a quiet day with
    # a handful of decisions still gets a p90 between two real values.
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 2)


def report_data(*, start: datetime, end: datetime) -> dict:
    """Numbers for the window [start, end): all JSON-serialisable."""
    # Half-open windows: a case closed exactly at midnight counts in one day's report only.
    opened = dict(
        Case.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .values_list("reason")
        .annotate(n=Count("id"))
    )
    closed = dict(
        Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .values_list("reason")
        .annotate(n=Count("id"))
    )
    decisions = list(
        Decision.objects.filter(created_at__gte=start, created_at__lt=end).select_related("case")
    )
    hours = [(d.created_at - d.case.opened_at).total_seconds() / 3600 for d in decisions]
    upheld = sum(1 for d in decisions if d.action != Decision.Action.DISMISS)
    mislabel = {}
    for label in Label.values:
        # By the label the case opened with, not the current one: a relabel decision has
        # changed that, and the rate is about what artists claimed.
        about = [d for d in decisions if d.case.ai_question and d.case.label_at_open == label]
        if about:
            wrong = sum(1 for d in about if d.action != Decision.Action.DISMISS)
            mislabel[label] = {"decided": len(about), "mislabeled": wrong,
                               "rate": round(wrong / len(about), 3)}  # fmt: skip
    auto = Flag.objects.filter(
        source=FlagSource.PROVENANCE, case__closed_at__gte=start, case__closed_at__lt=end
    )
    auto_total = auto.count()
    auto_upheld = auto.filter(status=Flag.Status.UPHELD).count()
    appeals = Appeal.objects.filter(decided_at__gte=start, decided_at__lt=end)
    appeals_total = appeals.count()
    overturned = appeals.filter(status=Appeal.Status.UPHELD).count()
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cases_opened": opened,
        "cases_closed": closed,
        "cases_opened_total": sum(opened.values()),
        "cases_closed_total": sum(closed.values()),
        "decisions": len(decisions),
        "hours_to_decision_median": round(statistics.median(hours), 2) if hours else None,
        "hours_to_decision_p90": _percentile(hours, 0.9),
        "upheld_share": round(upheld / len(decisions), 3) if decisions else None,
        "dismissed_share": round(1 - upheld / len(decisions), 3) if decisions else None,
        "mislabel_by_label": mislabel,
        "provenance_flags_decided": auto_total,
        "provenance_flags_upheld_share": round(auto_upheld / auto_total, 3) if auto_total else None,
        "appeals_decided": appeals_total,
        "appeals_overturned": overturned,
        "appeals_overturned_share": round(overturned / appeals_total, 3) if appeals_total else None,
    }


@transaction.atomic
def report_build(*, period: str, start: datetime) -> Report:
    """Build (or rebuild: idempotent) the report for one period starting at ``start``."""
    end = start + timedelta(days=PERIOD_DAYS[period])
    # moderation_report_unique on (period, start): beat and a moderator's "Build now" at the
    # same moment still end with one row.
    report, _ = Report.objects.update_or_create(
        period=period, start=start,
        defaults={"end": end, "data": report_data(start=start, end=end)},
    )  # fmt: skip
    return report


def reports_build_current(*, now: datetime | None = None) -> list[Report]:
    """Today's daily report and this week's weekly report, so far (rebuilt on each call).

    Beat builds finished periods after midnight; this is the moderators' "Build now" and the
    demo's, so a fresh site shows what has happened already. Idempotent per period.
    """
    now = now or timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return [
        report_build(period=Report.Period.DAILY, start=today),
        report_build(period=Report.Period.WEEKLY, start=monday),
    ]


def reports_build_due(*, now: datetime | None = None) -> list[Report]:
    """Yesterday's daily report, and last week's (Monday to Monday) weekly report."""
    # timezone.now() is UTC (USE_TZ), so days and weeks are UTC ones whatever TIME_ZONE says.
    now = now or timezone.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return [
        report_build(period=Report.Period.DAILY, start=today - timedelta(days=1)),
        report_build(period=Report.Period.WEEKLY, start=monday - timedelta(days=7)),
    ]
