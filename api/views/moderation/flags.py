"""Members report a post to the moderators."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.moderation_serializers import FlagCreate, FlagSerializer
from api.permissions import MemberWrites
from api.schema import errors
from api.views.common import form_input
from gallery.access import artwork_for_viewer
from moderation.forms import FlagForm
from moderation.services.flags import flag_create


class ArtworkFlagView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="artworks_flag",
        summary="Report an artwork to the moderators",
        description="As the site's report form: a `reason`, an optional `note` and, for "
        "`stolen`, a link to the original. You cannot report your own post, a post twice "
        f"while your report is open, or more than {settings.MODERATION_FLAGS_PER_HOUR} posts "
        "an hour (429 with `Retry-After`). The answer is your flag only; other reporters are "
        "never shown.",
        request=FlagCreate,
        responses={201: FlagSerializer, **errors(400, 403, 404, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        # Only what the reporter can see may be reported; anything else is a 404, so a report
        # never confirms that a hidden post exists. A block does not stop a report (the site's
        # report page ignores blocks too): reporting is how a member gets help with harassment.
        artwork = artwork_for_viewer(request, pk, blocks=False)
        cleaned = form_input(request.data, FlagForm, fields=("reason", "note", "original_url"))
        flag = flag_create(
            reporter=request.user,
            artwork=artwork,
            reason=cleaned["reason"],
            note=cleaned["note"],
            original_url=cleaned["original_url"],
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)
