from django.core.management.base import BaseCommand

from moderation.services.reports import reports_build_current, reports_build_due


class Command(BaseCommand):
    help = (
        "Build the moderation reports: yesterday's and last week's (what beat builds after "
        "midnight) and, with --current, today's and this week's so far (the demo runs this)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--current", action="store_true")

    def handle(self, *args, current: bool, **options):
        reports = reports_build_due() + (reports_build_current() if current else [])
        self.stdout.write(self.style.SUCCESS(f"Built {len(reports)} reports."))
