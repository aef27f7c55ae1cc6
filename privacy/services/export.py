"""Download all my data: a ZIP of a member's files and records, built by a worker.

The ZIP holds the originals and derivatives of the member's artworks, ``artworks.json``
(titles, descriptions, labels, AI stages, tags, dates, images), ``label_history.json``,
``comments.json`` (their own comments, each with the id and title of its post only),
``likes.json``, ``follows.json``, ``collections.json``, ``profile.json`` (with the avatar)
and a README. Nothing of another member goes in: no one else's comment, email or name; posts
and artists they interacted with appear by id, title and public handle only.

How it survives failures: the ``DataExport`` row is the to-do. The task claims it with a
conditional update (a second delivery finds it taken), writes the ZIP to a temporary file,
moves a heartbeat with each file, and stores the ZIP under the row's fixed random name in
private storage. A worker killed mid-way leaves ``running`` with a stale heartbeat: the beat
sweep (``exports_sweep``) puts it back in the queue and the next claim starts again from
scratch (a half-written ZIP never reaches storage). After ``MAX_ATTEMPTS`` claims it fails
with a reason the member can read, so nothing stays "being prepared" for good.

The link: the emailed link carries the export's id and file key, signed with
``TimestampSigner`` and good for ``EXPORT_LINK_MAX_AGE`` seconds; the file itself is deleted
by the sweep once ``expires_at`` passes. The signed link alone is enough to download (the
member may open the email on another device, not signed in); it cannot be forged or
extended, names an unguessable file, and answers ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Follow, User
from community.models import Comment
from config.errors import Conflict, NotAllowed, NotFound
from config.ratelimit import allow_data_export
from config.urls_abs import absolute_url
from gallery.models import Artwork, ArtworkImage, FileDeletion, Like
from gallery.services.withdrawal import file_deletions_run, owned_derivative_names
from gallery.storage import private_storage, withdrawn_name
from privacy.models import ACTIVE_STATUSES, DataExport

logger = logging.getLogger(__name__)

Status = DataExport.Status
# Claims of one export before it fails for good: a ZIP that kills its worker three times is
# not going to succeed on the fourth.
MAX_ATTEMPTS = 3
# A queued export nobody claimed this long lost its message (broker restart): re-enqueued.
QUEUED_LOST_AFTER = timedelta(minutes=5)
# Expired and failed rows are kept this long (the daily limit counts them), then dropped.
ROWS_KEPT = timedelta(days=30)
SIGNING_SALT = "privacy.export.download"
CHUNK = 1024 * 1024
FAILED_REASON = (
    "We could not prepare your export. Please ask for a new one; if it fails again, contact us."
)


class ExportAbandoned(Exception):
    """The export was taken from this worker (the sweep judged it dead, or the row is gone):
    stop writing, store nothing."""


def _stale_after() -> timedelta:
    # Past the task's hard time limit the worker is surely gone (or killed by the limit).
    return timedelta(seconds=settings.ATELIER_EXPORT_TIME_LIMIT + 60)


# --- Asking -------------------------------------------------------------------------------------


def export_request(*, user: User) -> DataExport:
    """Queue a new export of ``user``'s data and enqueue its task after the commit.

    One at a time per member: raises ``Conflict`` (code ``export_running``) while one is
    queued or running (the partial unique constraint decides a race between two requests).
    Raises ``RateLimited`` (code ``exports_per_day``) past ``ATELIER_EXPORTS_PER_DAY``
    exports in 24 hours (failed ones do not count), and ``NotAllowed`` for an account that is
    closing. Suspended members may export: their data is theirs whatever they did.
    """
    if not user.is_active or user.deletion_pending:
        raise NotAllowed("This account is being deleted; exports can no longer be made.")
    with transaction.atomic():
        # The member's row lock makes the count below exact against a parallel request.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        mine = DataExport.objects.filter(user=user)
        if mine.filter(status__in=ACTIVE_STATUSES).exists():
            raise Conflict(_RUNNING_MESSAGE, code="export_running")
        allow_data_export(
            recent=mine.exclude(status=Status.FAILED).values_list("created_at", flat=True)
        )
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user)
        except IntegrityError:
            raise Conflict(_RUNNING_MESSAGE, code="export_running") from None
        # robust: a broker outage must not turn a stored request into an error page; the
        # sweep enqueues queued exports nobody claimed.
        transaction.on_commit(partial(_enqueue, export.pk), robust=True)
    return export


_RUNNING_MESSAGE = "Your export is already being prepared; we will email you when it is ready."


def _enqueue(export_id: int) -> None:
    from privacy.tasks import build_export  # the task module imports this one

    build_export.delay(export_id)


# --- Building -----------------------------------------------------------------------------------


def export_build(*, export_id: int) -> str:
    """Claim the export, write its ZIP, store it privately, mark it done and email the link.

    Returns what happened: ``done``, ``skipped`` (not claimable: done, failed, or running
    with a live heartbeat elsewhere), ``abandoned`` (taken away mid-way) or ``failed``.
    Idempotent: a second delivery is ``skipped``. A storage error puts the export back in
    the queue for the sweep (its attempt counted) and re-raises; after ``MAX_ATTEMPTS``
    claims it is ``failed`` with a reason the member reads on the settings page.
    """
    now = timezone.now()
    claimable = Q(status=Status.QUEUED) | Q(
        status=Status.RUNNING, heartbeat_at__lt=now - _stale_after()
    )
    claimed = (
        # An account closing may still export (take your data, then leave); a purged one not.
        DataExport.objects.filter(claimable, pk=export_id)
        .filter(user__deleted_at__isnull=True)
        .update(
            status=Status.RUNNING,
            attempts=F("attempts") + 1,
            heartbeat_at=now,
            progress=0,
            error="",
        )
    )
    if not claimed:
        return "skipped"
    export = DataExport.objects.select_related("user").get(pk=export_id)
    if export.attempts > MAX_ATTEMPTS:
        _fail(export)
        return "failed"
    try:
        size = _write(export)
    except ExportAbandoned:
        logger.info("export %s: taken over or gone; stopped", export_id)
        return "abandoned"
    except Exception as exc:
        if export.attempts >= MAX_ATTEMPTS:
            logger.exception("export %s failed for good", export_id)
            _fail(export)
            return "failed"
        DataExport.objects.filter(pk=export_id, status=Status.RUNNING).update(
            status=Status.QUEUED, heartbeat_at=timezone.now(), error=str(exc)[:500]
        )
        raise
    finished = timezone.now()
    with transaction.atomic():
        done = DataExport.objects.filter(
            pk=export_id, status=Status.RUNNING, attempts=export.attempts
        ).update(
            status=Status.DONE,
            progress=100,
            size=size,
            finished_at=finished,
            heartbeat_at=finished,
            expires_at=finished + timedelta(seconds=settings.EXPORT_LINK_MAX_AGE),
        )
        if done:
            export.refresh_from_db()
            transaction.on_commit(partial(_email_ready, export), robust=True)
    if not done and not DataExport.objects.filter(pk=export_id).exists():
        # The account was purged while the file was being stored: nothing owns it now.
        private_storage().delete(export.file_name)
    return "done" if done else "abandoned"


def _fail(export: DataExport) -> None:
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(
            status=Status.FAILED, error=FAILED_REASON, heartbeat_at=timezone.now()
        )
        # A half-stored file of an earlier attempt, if any, goes through the durable list.
        note = FileDeletion.objects.create(store=FileDeletion.Store.PRIVATE, name=export.file_name)
        transaction.on_commit(lambda: file_deletions_run(ids=[note.pk]))


@dataclass(frozen=True)
class _Entry:
    arcname: str
    storage: Storage
    name: str


def _write(export: DataExport) -> int:
    """Write the ZIP to a temporary file, then store it; returns its size in bytes."""
    user = export.user
    artworks = list(
        Artwork.objects.filter(artist=user)
        .prefetch_related("images", "tags", "label_changes")
        .order_by("created_at", "id")
    )
    entries = list(_file_entries(user, artworks))
    total = len(entries) + 1
    with tempfile.NamedTemporaryFile(prefix="atelier-export-", suffix=".zip") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for name, data in documents(user=user, artworks=artworks):
                zf.writestr(name, json.dumps(data, indent=2, ensure_ascii=False, default=str))
            missing = []
            for done, entry in enumerate(entries, start=1):
                if not _copy_into(zf, entry):
                    missing.append(entry.arcname)
                _heartbeat(export, progress=min(99, 100 * done // total))
            zf.writestr("README.txt", _readme(user, missing))
        tmp.flush()
        size = os.path.getsize(tmp.name)
        tmp.seek(0)
        _heartbeat(export, progress=99)
        storage = private_storage()
        # A rebuilt export replaces what an earlier, killed attempt may have left.
        storage.delete(export.file_name)
        saved = storage.save(export.file_name, File(tmp))
        if saved != export.file_name:
            storage.delete(saved)
            raise OSError(f"Storage saved {export.file_name!r} as {saved!r}.")
    return size


def _heartbeat(export: DataExport, *, progress: int) -> None:
    # Conditional on this claim (attempts): a worker the sweep judged dead, whose export
    # another worker has claimed since, stops at its next file instead of racing it.
    moved = DataExport.objects.filter(
        pk=export.pk, status=Status.RUNNING, attempts=export.attempts
    ).update(progress=progress, heartbeat_at=timezone.now())
    if not moved:
        raise ExportAbandoned(export.pk)


def _ext(name: str) -> str:
    return os.path.splitext(name)[1].lower() or ".bin"


def _folder(artwork: Artwork) -> str:
    return f"artworks/{artwork.pk}-{artwork.slug or 'untitled'}"[:120]


def _original_arcname(artwork: Artwork, image: ArtworkImage) -> str:
    return f"{_folder(artwork)}/original-{image.pk}{_ext(image.original.name)}"


def _derivative_arcname(artwork: Artwork, image: ArtworkImage, name: str) -> str:
    return f"{_folder(artwork)}/derivatives/{image.pk}-{os.path.basename(name)}"


def _file_entries(user: User, artworks: list[Artwork]) -> Iterator[_Entry]:
    public, private = default_storage, private_storage()
    for artwork in artworks:
        for image in artwork.images.all():
            if image.original.name:
                yield _Entry(_original_arcname(artwork, image), private, image.original.name)
            for name in owned_derivative_names(image):
                # A removed post's derivatives wait in private storage ("withdrawn/…").
                store, stored = (
                    (private, withdrawn_name(name))
                    if image.public_files != ArtworkImage.PublicFiles.PUBLIC
                    else (public, name)
                )
                yield _Entry(_derivative_arcname(artwork, image, name), store, stored)
    if user.avatar.name:
        yield _Entry(f"profile/avatar{_ext(user.avatar.name)}", public, user.avatar.name)
    if user.banner.name:
        yield _Entry(f"profile/banner{_ext(user.banner.name)}", public, user.banner.name)


def _copy_into(zf: zipfile.ZipFile, entry: _Entry) -> bool:
    """Stream one stored file into the ZIP (stored, not deflated: images are compressed
    already). False when the file is missing from storage (listed in the README)."""
    if not entry.storage.exists(entry.name):
        return False
    info = zipfile.ZipInfo(entry.arcname, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with (
        entry.storage.open(entry.name, "rb") as source,
        zf.open(info, "w", force_zip64=True) as out,
    ):
        while chunk := source.read(CHUNK):
            out.write(chunk)
    return True


# --- What goes in -------------------------------------------------------------------------------


def documents(*, user: User, artworks: list[Artwork]) -> list[tuple[str, object]]:
    """The JSON documents of ``user``'s export, as (file name, data) pairs.

    ``artworks`` are the member's artworks with ``images``, ``tags`` and ``label_changes``
    prefetched. Reads only; raises nothing of its own. Every value about another member is
    a public handle, a post's id or a post's title: never their text, email or name.
    """
    return [
        ("profile.json", _profile(user)),
        ("artworks.json", [_artwork(a) for a in artworks]),
        ("label_history.json", _label_history(user, artworks)),
        ("comments.json", _comments(user)),
        ("likes.json", _likes(user)),
        ("follows.json", _follows(user)),
        ("collections.json", collections_data(user=user)),
    ]


def _portfolio(user: User) -> dict:
    """The member's portfolio as they arranged it: their own works' ids, in order."""
    sections = user.portfolio_sections.order_by("position", "id").prefetch_related("items")
    return {
        "banner": f"profile/banner{_ext(user.banner.name)}" if user.banner.name else None,
        "commission_status": user.commission_status,
        "commission_note": user.commission_note,
        "pinned_artwork_ids": list(
            user.portfolio_pins.order_by("position").values_list("artwork_id", flat=True)
        ),
        "sections": [
            {
                "title": section.title,
                "artwork_ids": [
                    item.artwork_id
                    for item in sorted(section.items.all(), key=lambda i: i.position)
                ],
            }
            for section in sections
        ],
    }


def _profile(user: User) -> dict:
    tokens = ApiToken.objects.filter(user=user).order_by("created_at", "id")
    return {
        "handle": user.handle,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "links": user.links,
        "avatar": f"profile/avatar{_ext(user.avatar.name)}" if user.avatar.name else None,
        "portfolio": _portfolio(user),
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "feed_preference": user.feed_preference,
        "mature_preference": user.mature_preference,
        "ai_training_opt_out": user.ai_training_opt_out,
        "trust_level": user.trust_level,
        "suspended_until": user.suspended_until,
        "suspension_reason": user.suspension_reason,
        "uploads_held_until": user.uploads_held_until,
        # Never the keys (only their digests are stored); the prefix tells them apart.
        "api_tokens": [
            {
                "name": t.name,
                "scope": t.scope,
                "key_prefix": t.key_prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in tokens
        ],
    }


def _artwork(artwork: Artwork) -> dict:
    return {
        "id": artwork.pk,
        "url": absolute_url(None, artwork.get_absolute_url()),
        "title": artwork.title,
        "description": artwork.description,
        "medium": artwork.medium,
        "label": artwork.label,
        "ai_stages": artwork.ai_stages,
        "ai_note": artwork.ai_note,
        "tags": sorted(t.name for t in artwork.tags.all()),
        "status": artwork.status,
        "mature": artwork.mature,
        "comments_enabled": artwork.comments_enabled,
        "like_count": artwork.like_count,
        "comment_count": artwork.comment_count,
        "created_at": artwork.created_at,
        "published_at": artwork.published_at,
        "updated_at": artwork.updated_at,
        "images": [
            {
                "id": image.pk,
                "kind": image.kind,
                "position": image.position,
                "alt_text": image.alt_text,
                "format": image.format,
                "width": image.width,
                "height": image.height,
                "bytes": image.bytes,
                "sha256": image.sha256,
                "provenance_verdict": image.provenance_verdict,
                "original": _original_arcname(artwork, image) if image.original.name else None,
                "derivatives": [
                    _derivative_arcname(artwork, image, name)
                    for name in owned_derivative_names(image)
                ],
            }
            for image in artwork.images.all()
        ],
    }


def _label_history(user: User, artworks: list[Artwork]) -> list[dict]:
    rows = []
    for artwork in artworks:
        for change in artwork.label_changes.all():
            rows.append(
                {
                    "artwork": {"id": artwork.pk, "title": artwork.title},
                    "from_label": change.from_label,
                    "to_label": change.to_label,
                    # Who, as a role: a moderator's identity is not the member's data.
                    "by": change.by,
                    "by_you": change.actor_id == user.pk,
                    "reason": change.reason,
                    "created_at": change.created_at,
                }
            )
    return rows


def _comments(user: User) -> list[dict]:
    comments = (
        Comment.objects.filter(author=user)
        .select_related("artwork")
        .only("body", "status", "created_at", "edited_at", "parent_id", "artwork__title")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": c.pk,
            "body": c.body,
            "status": c.status,
            "created_at": c.created_at,
            "edited_at": c.edited_at,
            # The comment it answers, by id only: its text is another member's.
            "reply_to": c.parent_id,
            "artwork": {"id": c.artwork_id, "title": c.artwork.title},
        }
        for c in comments
    ]


def _likes(user: User) -> list[dict]:
    likes = (
        Like.objects.filter(user=user)
        .select_related("artwork")
        .only("created_at", "artwork__title")
        .order_by("created_at", "id")
    )
    return [
        {
            "artwork": {"id": like.artwork_id, "title": like.artwork.title},
            "liked_at": like.created_at,
        }
        for like in likes
    ]


def _follows(user: User) -> dict:
    following = (
        Follow.objects.filter(follower=user)
        .select_related("artist")
        .only("created_at", "artist__handle")
        .order_by("created_at", "id")
    )
    return {
        "following": [{"handle": f.artist.handle, "since": f.created_at} for f in following],
        # Who follows you is their choice, not your data: the number only.
        "followers_count": Follow.objects.filter(artist=user).count(),
    }


def collections_data(*, user: User) -> list[dict]:
    """The member's collections for ``collections.json``: each with its title, description,
    visibility, dates and items (artwork id and title, and when it was added). The works are
    other members' too: only their ids and titles go in, as everywhere in the export."""
    from community.models import Collection

    collections = (
        Collection.objects.filter(owner=user)
        .prefetch_related("items__artwork")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": c.pk, "title": c.title, "description": c.description,
            "visibility": "public" if c.public else "private",
            "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat(),
            "items": [
                {"artwork": {"id": i.artwork_id, "title": i.artwork.title},
                 "added_at": i.added_at.isoformat()}
                for i in c.items.all()
            ],
        }
        for c in collections
    ]  # fmt: skip


def _readme(user: User, missing: list[str]) -> str:
    lines = [
        f"Your data on Atelier (@{user.handle}), exported {timezone.now():%Y-%m-%d %H:%M} UTC.",
        "",
        "profile.json        your profile, preferences and API tokens (never their keys)",
        "artworks.json       your posts: titles, descriptions, labels, AI stages, tags, dates,",
        "                    and the file names of each image's original and derivatives",
        "label_history.json  every label change of your posts (who as a role, when, why)",
        "comments.json       the comments you wrote, with the id and title of each post",
        "likes.json          the posts you liked (id and title)",
        "follows.json        the artists you follow (handles) and how many follow you",
        "collections.json    your collections",
        "artworks/           each post's original files and the derivatives shown on the site",
        "profile/            your avatar and portfolio banner",
    ]
    if missing:
        lines += ["", "These files were missing from storage when the export was made:"]
        lines += [f"  {name}" for name in missing]
    return "\n".join(lines) + "\n"


# --- The link -----------------------------------------------------------------------------------


def _file_key(export: DataExport) -> str:
    return os.path.splitext(os.path.basename(export.file_name))[0]


def export_link(*, export: DataExport) -> str:
    """The absolute download URL of a finished export: its id and file key, signed with a
    timestamp (``TimestampSigner``), good for ``EXPORT_LINK_MAX_AGE`` seconds."""
    token = signing.TimestampSigner(salt=SIGNING_SALT).sign(f"{export.pk}.{_file_key(export)}")
    return absolute_url(None, reverse("privacy:export_download", kwargs={"token": token}))


def export_for_link(*, token: str) -> DataExport:
    """The downloadable export a signed link names.

    Raises ``NotFound`` with a message for the person: code ``export_link_invalid`` for a
    forged or mangled link, ``export_link_expired`` when the link or the export has expired
    (or its account has been deleted since).
    """
    signer = signing.TimestampSigner(salt=SIGNING_SALT)
    try:
        value = signer.unsign(token, max_age=settings.EXPORT_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise NotFound(EXPIRED_MESSAGE, code="export_link_expired") from None
    except signing.BadSignature:
        raise NotFound("This download link is not valid.", code="export_link_invalid") from None
    pk, _, key = value.partition(".")
    export = (
        DataExport.objects.select_related("user").filter(pk=int(pk) if pk.isdigit() else 0).first()
    )
    if export is not None and _file_key(export) != key:
        # Signed by us, yet naming another file: never issued as such.
        raise NotFound("This download link is not valid.", code="export_link_invalid")
    if export is None or export.user.deleted_at is not None:
        # Swept long ago, or its account deleted since.
        raise NotFound(EXPIRED_MESSAGE, code="export_link_expired")
    if not export.is_downloadable:
        raise NotFound(EXPIRED_MESSAGE, code="export_link_expired")
    return export


EXPIRED_MESSAGE = (
    "This download link has expired. You can ask for a new export in your account settings "
    "(Your data)."
)


def _email_ready(export: DataExport) -> None:
    user = export.user
    if not user.email:
        return
    context = {
        "user": user,
        "export": export,
        "link": export_link(export=export),
        "expires_at": export.expires_at,
    }
    subject = "[Atelier] Your data export is ready"
    text = render_to_string("privacy/email/export_ready.txt", context)
    html = render_to_string("privacy/email/export_ready.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the export is ready on the settings page whether or not mail works
        logger.exception("could not email export %s to member %s", export.pk, user.pk)


# --- Sweeping -----------------------------------------------------------------------------------


def exports_sweep() -> dict[str, int]:
    """Beat task body: keep every export moving and delete the expired ones.

    - ``running`` with a heartbeat older than the task's time limit (its worker died): back to
      ``queued``, or ``failed`` after ``MAX_ATTEMPTS`` claims; then enqueued again.
    - ``queued`` and unclaimed for ``QUEUED_LOST_AFTER`` (a lost message): enqueued again.
    - ``done`` past ``expires_at``: the file is deleted (through ``FileDeletion``, retried on
      a storage outage) and the row becomes ``expired``.
    - ``expired``/``failed`` rows older than ``ROWS_KEPT``: dropped.
    Returns the counts. Idempotent; safe beside running workers (every change is conditional).
    """
    now = timezone.now()
    stale = DataExport.objects.filter(status=Status.RUNNING, heartbeat_at__lt=now - _stale_after())
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=FAILED_REASON, heartbeat_at=now
    )
    revived = list(stale.values_list("pk", flat=True)[:200])
    # Conditional on still being stale: a worker whose heartbeat moved meanwhile keeps it.
    requeued = DataExport.objects.filter(
        pk__in=revived, status=Status.RUNNING, heartbeat_at__lt=now - _stale_after()
    ).update(status=Status.QUEUED, heartbeat_at=now)
    lost = list(
        DataExport.objects.filter(status=Status.QUEUED)
        .filter(
            Q(heartbeat_at__lt=now - QUEUED_LOST_AFTER)
            | Q(heartbeat_at__isnull=True, created_at__lt=now - QUEUED_LOST_AFTER)
            | Q(pk__in=revived)
        )
        .values_list("pk", flat=True)[:200]
    )
    for export_id in lost:
        try:
            _enqueue(export_id)
        except Exception:  # the broker is down: the next sweep tries again
            logger.exception("export %s: could not enqueue", export_id)
    expired = _expire(now)
    dropped, _ = DataExport.objects.filter(
        status__in=[Status.EXPIRED, Status.FAILED], created_at__lt=now - ROWS_KEPT
    ).delete()
    counts = {
        "requeued": requeued,
        "enqueued": len(lost),
        "failed": failed,
        "expired": expired,
        "dropped": dropped,
    }
    if any(counts.values()):
        logger.info("exports sweep: %s", counts)
    return counts


def _expire(now) -> int:
    with transaction.atomic():
        rows = list(
            DataExport.objects.select_for_update(skip_locked=True)
            .filter(status=Status.DONE, expires_at__lte=now)
            .only("pk", "file_name")[:500]
        )
        if not rows:
            return 0
        notes = FileDeletion.objects.bulk_create(
            FileDeletion(store=FileDeletion.Store.PRIVATE, name=row.file_name) for row in rows
        )
        DataExport.objects.filter(pk__in=[r.pk for r in rows]).update(status=Status.EXPIRED)
        ids = [n.pk for n in notes]
        transaction.on_commit(lambda: file_deletions_run(ids=ids))
    return len(rows)
