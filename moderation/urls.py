from django.urls import path

from moderation.views import appeals, cases, evidence, flags, reports, review

app_name = "moderation"
urlpatterns = [
    path("", cases.queue, name="queue"),
    path("report/<int:artwork_id>/", flags.report, name="report"),
    path("comments/<int:comment_id>/report/", flags.comment_report, name="comment_report"),
    path(
        "collections/<int:collection_id>/report/",
        flags.collection_report,
        name="collection_report",
    ),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/claim/", cases.case_claim, name="claim"),
    path("cases/<int:pk>/release/", cases.case_release, name="release"),
    path("cases/<int:pk>/decide/", cases.case_decide, name="decide"),
    path("cases/<int:pk>/request-evidence/", cases.case_request_evidence, name="request_evidence"),
    path("users/<str:handle>/unsuspend/", cases.user_unsuspend, name="unsuspend"),
    path("audit/", cases.audit_log, name="audit"),
    path("appeal-files/<int:pk>/", cases.appeal_file, name="appeal_file"),
    path("evidence/<int:artwork_id>/", evidence.evidence_add, name="evidence_add"),
    path("evidence-files/<int:pk>/", evidence.evidence_file, name="evidence_file"),
    path("decisions/<int:pk>/", appeals.decision_detail, name="decision"),
    path("appeals/", appeals.appeal_queue, name="appeals"),
    path("appeals/<int:pk>/", appeals.appeal_detail, name="appeal"),
    path("appeals/<int:pk>/decide/", appeals.appeal_decide_view, name="appeal_decide"),
    path("review/", review.review_queue, name="review"),
    path("review/<int:pk>/", review.review_case, name="review_case"),
    path("dashboard/", reports.dashboard, name="dashboard"),
    path("dashboard.csv", reports.dashboard_csv, name="dashboard_csv"),
    path("dashboard/build/", reports.reports_build_now, name="reports_build"),
]
