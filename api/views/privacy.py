"""Members' rights over the API: export all my data, follow its progress, delete my account
and cancel within the grace period. The same services as the "Your data" page."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import MemberOnly
from api.privacy_serializers import (
    DeletionCancel,
    DeletionRequest,
    DeletionSerializer,
    ExportListSerializer,
    ExportSerializer,
)
from api.schema import errors
from api.throttling import ClientThrottle, TokenObtainIpThrottle, TokenObtainLoginThrottle
from privacy.selectors import export_of, exports_of
from privacy.services.deletion import (
    account_delete_cancel,
    account_delete_request,
    deletion_cancel_credentials,
)
from privacy.services.export import export_request


class ExportListView(APIView):
    permission_classes = [MemberOnly]
    # Exporting is a right over one's own data: suspension does not take it away.
    suspended_may = ("POST",)

    @extend_schema(
        operation_id="exports_list",
        summary="Your latest data exports, newest first",
        responses={200: ExportListSerializer, **errors(403)},
        tags=["privacy"],
    )
    def get(self, request: Request) -> Response:
        exports = exports_of(user=request.user)
        return Response(
            {"results": ExportSerializer(exports, many=True, context={"request": request}).data}
        )

    @extend_schema(
        operation_id="exports_create",
        summary="Ask for a ZIP of all your data",
        description="Prepared in the background (poll `GET /api/v1/me/exports/{id}/`); the "
        "download link is emailed when it is ready. One at a time (409 while one is being "
        "prepared) and `ATELIER_EXPORTS_PER_DAY` a day (429 with `Retry-After`). Needs a "
        "read-write token.",
        request=None,
        responses={202: ExportSerializer, **errors(403, 409)},
        tags=["privacy"],
    )
    def post(self, request: Request) -> Response:
        export = export_request(user=request.user)
        data = ExportSerializer(export, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class ExportDetailView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="exports_retrieve",
        summary="One of your data exports: status, progress and, when ready, its link",
        responses={200: ExportSerializer, **errors(403, 404)},
        tags=["privacy"],
    )
    def get(self, request: Request, pk: int) -> Response:
        export = export_of(user=request.user, export_id=pk)
        if export is None:
            raise Http404("No such export.")
        return Response(ExportSerializer(export, context={"request": request}).data)


class DeletionView(APIView):
    permission_classes = [MemberOnly]
    # Erasure is a right too: a suspended member may close their account.
    suspended_may = ("POST",)

    @extend_schema(
        operation_id="me_deletion_request",
        summary="Delete your account (after a grace period)",
        description="Send your handle as `confirmation`. The account is deactivated at once "
        "(every token, this one included, stops working and your posts disappear) and purged "
        "after `ACCOUNT_DELETION_GRACE_DAYS` days unless you cancel with "
        "`POST /api/v1/me/deletion/cancel/`. Needs a read-write token.",
        request=DeletionRequest,
        responses={202: DeletionSerializer, **errors(400, 403)},
        tags=["privacy"],
    )
    def post(self, request: Request) -> Response:
        params = DeletionRequest(data=request.data)
        params.is_valid(raise_exception=True)
        user = account_delete_request(
            user=request.user, confirmation=params.validated_data["confirmation"]
        )
        return Response(DeletionSerializer(user).data, status=status.HTTP_202_ACCEPTED)


class DeletionCancelView(APIView):
    # The account is inactive, so no token or session works: the password is the proof, with
    # the token endpoint's limits on guessing it.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientThrottle, TokenObtainIpThrottle, TokenObtainLoginThrottle]

    @extend_schema(
        operation_id="me_deletion_cancel",
        summary="Cancel your account's deletion within the grace period",
        description="With your login (handle or email) and password, as the account cannot "
        "authenticate otherwise while it is closing. 409 when nothing is pending or the grace "
        "period is over. Your tokens work again afterwards.",
        request=DeletionCancel,
        responses={200: DeletionSerializer, **errors(400, 409, authenticated=False)},
        auth=[],
        tags=["privacy"],
    )
    def post(self, request: Request) -> Response:
        params = DeletionCancel(data=request.data)
        params.is_valid(raise_exception=True)
        user = deletion_cancel_credentials(
            login=params.validated_data["login"], password=params.validated_data["password"]
        )
        user = account_delete_cancel(user=user)
        return Response(DeletionSerializer(user).data)
