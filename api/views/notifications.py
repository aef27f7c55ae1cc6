"""The signed-in member's notifications: newest first, and marking them read."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from accounts.selectors import notification_list
from accounts.services import notifications_mark_read
from api.permissions import MemberOnly
from api.schema import errors
from api.serializers import (
    MarkedReadSerializer,
    NotificationPageSerializer,
    NotificationParams,
    NotificationSerializer,
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
