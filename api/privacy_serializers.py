"""What the members' rights endpoints send and accept: data exports and account deletion."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import SingleLineField
from privacy.models import DataExport
from privacy.services.deletion import purge_date
from privacy.services.export import export_link


class ExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="The signed download link while the export is ready (null otherwise). "
        "It works without authentication until `expires_at`: keep it secret."
    )

    class Meta:
        model = DataExport
        fields = [
            "id", "status", "progress", "size", "error", "created_at", "finished_at",
            "expires_at", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, export: DataExport) -> str | None:
        return export_link(export=export) if export.is_downloadable else None


class ExportListSerializer(serializers.Serializer):
    results = ExportSerializer(many=True)


class DeletionRequest(serializers.Serializer):
    confirmation = SingleLineField(
        max_length=60, help_text="Your handle, typed out: the proof that you mean it."
    )


class DeletionSerializer(serializers.Serializer):
    deletion_requested_at = serializers.DateTimeField(allow_null=True)
    purge_on = serializers.SerializerMethodField(
        help_text="When the account will be purged, unless cancelled (null when not pending)."
    )

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_purge_on(self, user) -> str | None:
        if user.deletion_requested_at is None:
            return None
        return serializers.DateTimeField().to_representation(purge_date(user))


class DeletionCancel(serializers.Serializer):
    login = SingleLineField(max_length=254, help_text="Handle or email address.")
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
