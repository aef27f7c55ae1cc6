"""The signed-in member's notifications: newest first, marking them read, and their settings."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from accounts.selectors import notification_list
from accounts.services import notifications_mark_read
from accounts.services_notifications import notification_choices, notification_settings_set
from api.permissions import MemberOnly
from api.schema import errors
from api.serializers import (
    MarkedReadSerializer,
    NotificationPageSerializer,
    NotificationParams,
    NotificationSerializer,
    NotificationSettingsSerializer,
    NotificationSettingsUpdate,
)
from api.views.common import next_url, query
from config import cursors


class NotificationListView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first",
        parameters=[NotificationParams],
        responses={200: NotificationPageSerializer, **errors(400, 403)},
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        params = query(request, NotificationParams)
        # Walks accounts_notification_list (user, -created_at) like the feeds walk theirs.
        qs = notification_list(user=request.user, unread_only=params["unread"])
        page = cursors.keyset_page(
            qs, params.get("after"), key="created_at", size=params["page_size"]
        )
        data = NotificationSerializer(page.items, many=True, context={"request": request}).data
        return Response({"results": data, "next": next_url(request, page.next_cursor)})


class NotificationReadView(APIView):
    permission_classes = [MemberOnly]
    # Suspension notices arrive as notifications: a suspended member can still read them.
    suspended_may = ("POST",)

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one notification read",
        request=None,
        responses={200: NotificationSerializer, **errors(403, 404)},
        tags=["notifications"],
    )
    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(Notification, pk=pk, user=request.user)
        notifications_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(notification, context={"request": request}).data)


class NotificationReadAllView(APIView):
    permission_classes = [MemberOnly]
    suspended_may = ("POST",)

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications read",
        request=None,
        responses={200: MarkedReadSerializer, **errors(403)},
        tags=["notifications"],
    )
    def post(self, request: Request) -> Response:
        return Response({"marked_read": notifications_mark_read(user=request.user)})


def _choices_data(choices) -> dict:
    return {
        "settings": [
            {
                "kind": c.kind,
                "label": c.label,
                "in_site": c.in_site,
                "email": c.email,
                "in_site_locked": c.in_site_locked,
            }
            for c in choices
        ]
    }


class NotificationSettingsView(APIView):
    permission_classes = [MemberOnly]
    # Choosing what reaches you is not posting: a suspended member may (as on the site).
    suspended_may = ("PATCH",)

    @extend_schema(
        operation_id="notification_settings",
        summary="Your notification settings: in-site and email, per kind",
        responses={200: NotificationSettingsSerializer, **errors(403)},
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        return Response(_choices_data(notification_choices(user=request.user)))

    @extend_schema(
        operation_id="notification_settings_update",
        summary="Change some of your notification settings",
        request=NotificationSettingsUpdate,
        responses={200: NotificationSettingsSerializer, **errors(400, 403)},
        tags=["notifications"],
    )
    def patch(self, request: Request) -> Response:
        body = NotificationSettingsUpdate(data=request.data)
        body.is_valid(raise_exception=True)
        changes: dict[str, dict] = {}
        for item in body.validated_data["settings"]:
            changes[item.pop("kind")] = item
        choices = notification_settings_set(user=request.user, changes=changes)
        return Response(_choices_data(choices))
