from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("data/", views.data_settings, name="data"),
    path("data/export/", views.export_request_view, name="export_request"),
    path("data/export/status/", views.export_status, name="export_status"),
    path("data/export/download/<str:token>/", views.export_download, name="export_download"),
    path("data/delete/", views.account_delete_view, name="account_delete"),
    path("data/delete/requested/", views.deletion_requested, name="deletion_requested"),
    path("data/delete/cancel/", views.deletion_cancel, name="deletion_cancel"),
]
