"""Delete my account: the request, the grace period and its cancel, the purge (files gone
from storage, moderation records kept with an anonymised actor), resumed after a crash."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Follow, Notification, User
from community.models import Comment
from gallery.models import Artwork, FileDeletion, Like
from gallery.storage import private_storage
from moderation.models import (
    Appeal,
    AppealFile,
    AuditAction,
    AuditEntry,
    AuditRole,
    Case,
    CaseEvidence,
    Decision,
)
from moderation.services.audit import audit_write
from privacy.models import DataExport
from privacy.services import deletion
from privacy.services.deletion import account_delete_request, account_purge, accounts_purge_due
from privacy.services.export import export_request
from tests.factories import PASSWORD, ModeratorFactory, image_bytes

pytestmark = pytest.mark.django_db


def _past_grace(user: User) -> None:
    days = settings.ACCOUNT_DELETION_GRACE_DAYS + 1
    User.objects.filter(pk=user.pk).update(
        deletion_requested_at=timezone.now() - timedelta(days=days)
    )


def _stored_files() -> set[str]:
    found = set()
    for root in (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)):
        if root.exists():
            found |= {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    return found


def _ana_moderation_records(seed, moderator):
    """A case on Ana's post with a decision, her appeal with a file, her process evidence,
    and audit entries where she is the actor."""
    case = Case.objects.create(artwork=seed.ana_posts[1], reason="undisclosed-ai")
    decision = Decision.objects.create(
        case=case, moderator=moderator, action="warn", reason="Label looked wrong"
    )
    appeal = Appeal.objects.create(decision=decision, appellant=seed.ana, statement="I drew it")
    appeal_name = private_storage().save("appeals/ana-wip.png", ContentFile(image_bytes("PNG")))
    AppealFile.objects.create(appeal=appeal, file=appeal_name, format="PNG")
    evidence_name = private_storage().save("evidence/ana.png", ContentFile(image_bytes("PNG")))
    CaseEvidence.objects.create(
        case=case, file=evidence_name, format="PNG", original_name="wip.png", bytes=10,
        uploaded_by=seed.ana,
    )  # fmt: skip
    audit_write(actor=seed.ana, role=AuditRole.ARTIST, action=AuditAction.APPEAL, case=case,
                reason="I drew it")  # fmt: skip
    audit_write(actor=moderator, role=AuditRole.MODERATOR, action=AuditAction.APPEAL_DENIED,
                case=case, subject_user_id=seed.ana.pk, reason="Denied")  # fmt: skip
    return case, appeal, [appeal_name, evidence_name]


def _ana_files(seed) -> set[str]:
    names = set()
    for post in seed.ana_posts:
        for image in post.images.all():
            names.add(image.original.name)
            names |= {d["name"] for d in image.derivatives}
    return names


def test_request_signs_out_and_hides_every_post_at_once(client, seed):
    client.force_login(seed.ana)
    response = client.post(reverse("privacy:account_delete"), {"password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("privacy:deletion_requested")
    ana = User.objects.get(pk=seed.ana.pk)
    assert not ana.is_active and ana.deletion_requested_at is not None
    assert "_auth_user_id" not in client.session
    post = seed.ana_posts[0]
    assert client.get(post.get_absolute_url()).status_code == 404
    assert client.get(reverse("gallery:artist", kwargs={"handle": "ana"})).status_code == 404
    feed = client.get(reverse("gallery:home") + "?labels=all")
    assert b"Ana one" not in feed.content and b"Bruno one" in feed.content
    api = client.get("/api/v1/artworks/?labels=all").json()
    assert {a["title"] for a in api["results"]} == {"Bruno one", "Bruno two"}
    # Moderators still reach the post (cases about it stay workable).
    client.force_login(ModeratorFactory())
    assert client.get(post.get_absolute_url()).status_code == 200
    # Nothing is deleted yet.
    assert Artwork.objects.filter(artist=seed.ana).count() == 2


def test_wrong_password_changes_nothing(client, seed):
    client.force_login(seed.ana)
    response = client.post(reverse("privacy:account_delete"), {"password": "nope"})
    assert response.status_code == 400 and b"The password is wrong" in response.content
    assert User.objects.get(pk=seed.ana.pk).is_active
    response = client.post(reverse("privacy:account_delete"), {})
    assert response.status_code == 400
    assert User.objects.get(pk=seed.ana.pk).deletion_requested_at is None


def test_signing_in_during_grace_offers_cancel_and_restores_everything(client, seed):
    account_delete_request(user=seed.ana, password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "ana", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("privacy:deletion_cancel")
    page = client.get(reverse("privacy:deletion_cancel"))
    assert page.status_code == 200 and b"Cancel deletion and sign in" in page.content
    assert "_auth_user_id" not in client.session  # not signed in until they choose
    response = client.post(reverse("privacy:deletion_cancel"))
    assert response.status_code == 302
    ana = User.objects.get(pk=seed.ana.pk)
    assert ana.is_active and ana.deletion_requested_at is None
    assert client.session["_auth_user_id"] == str(ana.pk)
    assert client.get(seed.ana_posts[0].get_absolute_url()).status_code == 200
    # The one-time stash is spent: a replay of the POST cannot re-cancel anything.
    assert client.post(reverse("privacy:deletion_cancel")).status_code == 302


def test_wrong_password_during_grace_offers_nothing(client, seed):
    account_delete_request(user=seed.ana, password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "ana", "password": "wrong"})
    assert response.status_code == 200  # the login form again, with its error
    assert client.get(reverse("privacy:deletion_cancel")).status_code == 302
    assert not User.objects.get(pk=seed.ana.pk).is_active


def test_cancel_after_grace_is_too_late(client, seed):
    account_delete_request(user=seed.ana, password=PASSWORD)
    client.post(reverse("account_login"), {"login": "ana", "password": PASSWORD})
    _past_grace(seed.ana)
    response = client.post(reverse("privacy:deletion_cancel"))
    assert response.status_code == 409 and b"grace period is over" in response.content
    assert not User.objects.get(pk=seed.ana.pk).is_active


def test_purge_waits_for_the_grace_period(seed):
    account_delete_request(user=seed.ana, password=PASSWORD)
    assert accounts_purge_due() == 0
    assert account_purge(user_id=seed.ana.pk) is False
    assert Artwork.objects.filter(artist=seed.ana).count() == 2


def test_purge_leaves_no_file_of_the_member_and_keeps_the_audit_log(
    client, seed, django_capture_on_commit_callbacks
):
    moderator = ModeratorFactory(handle="mona")
    case, appeal, moderation_files = _ana_moderation_records(seed, moderator)
    avatar = default_storage.save("avatars/ana.png", ContentFile(image_bytes("PNG")))
    User.objects.filter(pk=seed.ana.pk).update(avatar=avatar)
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(user=seed.ana)
    export.refresh_from_db()
    assert export.status == "done"
    ApiToken.objects.create(user=seed.ana, name="t", key_prefix="x", key_hash="h" * 64)
    Notification.objects.create(user=seed.ana, kind="follow", title="Someone followed you")
    ana_files = _ana_files(seed) | set(moderation_files) | {avatar, export.file_name}
    bruno_files = {n for p in seed.bruno_posts for i in p.images.all() for n in
                   [i.original.name, *(d["name"] for d in i.derivatives)]}  # fmt: skip
    before = _stored_files()
    assert ana_files <= before and bruno_files <= before

    account_delete_request(user=seed.ana, password=PASSWORD)
    _past_grace(seed.ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert accounts_purge_due() == 1

    after = _stored_files()
    assert not ana_files & after, ana_files & after
    assert bruno_files <= after
    assert not any(f.startswith("exports/") for f in after)
    assert not FileDeletion.objects.exists()  # every deletion ran

    ana = User.objects.get(pk=seed.ana.pk)
    assert ana.handle == f"deleted-{ana.pk}" and ana.deleted_at is not None
    assert ana.display_name == "" and ana.bio == "" and not ana.avatar
    assert not ana.has_usable_password() and not ana.is_active
    assert ana.email.endswith("@deleted.invalid") and "ana" not in ana.email
    assert not Artwork.objects.filter(artist=ana).exists()
    assert not DataExport.objects.filter(user=ana).exists()
    assert not ApiToken.objects.filter(user=ana).exists()
    assert not Notification.objects.filter(user=ana).exists()
    assert not Like.objects.filter(user=ana).exists()
    assert not Follow.objects.filter(follower=ana).exists()
    assert not Follow.objects.filter(artist=ana).exists()
    bruno = User.objects.get(pk=seed.bruno.pk)
    assert bruno.follower_count == 0 and bruno.following_count == 0
    assert Artwork.objects.get(pk=seed.bruno_posts[0].pk).like_count == 0
    # Her comment that Bruno answered stays as an empty "deleted" shell so his reply keeps
    # its thread; her unanswered comment is gone; the counts follow.
    shell = Comment.objects.get(pk=seed.ana_comment.pk)
    assert shell.status == "deleted" and shell.body == ""
    assert not Comment.objects.filter(pk=seed.ana_lonely_comment.pk).exists()
    assert Comment.objects.get(pk=seed.bruno_reply.pk).body == "BRUNO-REPLY-TEXT"
    assert Artwork.objects.get(pk=seed.bruno_posts[0].pk).comment_count == 1
    assert Artwork.objects.get(pk=seed.bruno_posts[1].pk).comment_count == 0
    # Moderation records keep their rows, pointing at the tombstone.
    case.refresh_from_db()
    assert case.artwork_id is None and Decision.objects.filter(case=case).exists()
    assert Appeal.objects.get(pk=appeal.pk).appellant_id == ana.pk
    assert not AppealFile.objects.exists() and not CaseEvidence.objects.exists()
    entries = AuditEntry.objects.filter(case=case)
    assert entries.count() == 2 and entries.filter(actor=ana).count() == 1
    client.force_login(moderator)
    page = client.get(reverse("moderation:audit"))
    assert page.status_code == 200
    assert f"deleted-{ana.pk}".encode() in page.content and b"@ana<" not in page.content
    # A second run finds nothing to do.
    assert accounts_purge_due() == 0 and account_purge(user_id=ana.pk) is False


def test_purge_killed_half_way_is_finished_by_the_next_run(
    seed, django_capture_on_commit_callbacks, monkeypatch
):
    account_delete_request(user=seed.ana, password=PASSWORD)
    _past_grace(seed.ana)

    def killed(user_id):
        raise RuntimeError("worker killed")

    real = deletion._comments_erase
    monkeypatch.setattr(deletion, "_comments_erase", killed)
    with django_capture_on_commit_callbacks(execute=True):
        assert accounts_purge_due() == 0  # logged, left for the next run
    ana = User.objects.get(pk=seed.ana.pk)
    assert ana.deleted_at is None and ana.handle == "ana"
    assert not Artwork.objects.filter(artist=ana).exists()  # the first steps committed
    monkeypatch.setattr(deletion, "_comments_erase", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert accounts_purge_due() == 1
    assert User.objects.get(pk=seed.ana.pk).deleted_at is not None
    assert not Comment.objects.filter(author_id=seed.ana.pk).exclude(body="").exists()


def test_tombstone_handles_cannot_be_taken_at_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.com", "username": "deleted-12", "password1": "a-Long-pass-99",
         "password2": "a-Long-pass-99"},
    )  # fmt: skip
    assert response.status_code == 200 and b"reserved" in response.content
    assert not User.objects.filter(handle="deleted-12").exists()


def test_double_request_changes_nothing_and_mails_once(seed, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        account_delete_request(user=seed.ana, password=PASSWORD)
    first = User.objects.get(pk=seed.ana.pk).deletion_requested_at
    with django_capture_on_commit_callbacks(execute=True):
        account_delete_request(user=User.objects.get(pk=seed.ana.pk), password=PASSWORD)
    assert User.objects.get(pk=seed.ana.pk).deletion_requested_at == first
    assert len(mail.outbox) == 1 and "Cancel deletion" in mail.outbox[0].body
