"""Every vocabulary is enforced by the database, and each role has one definition.

- every field with ``choices`` in the project's own apps has a CheckConstraint
  ``<app>_<model>_<field>_valid`` whose condition is exactly ``<field>__in=<its values>``;
- PostgreSQL refuses a bad value written behind the model's back (``.update()``, raw inserts);
- the audit log's roles and actions and the notification kinds are vocabularies too, and the
  migration maps the old free-text role "member" before the constraint arrives;
- "moderator" is the ``accounts.moderate`` permission and "trusted reviewer" honours
  MODERATION_REVIEW_TRUST_LEVEL, wherever they are asked (templates, services, the API).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import Notification, NotificationKind, User
from accounts.services import notify
from gallery.models import Artwork, ArtworkImage, LabelChange
from moderation.models import (
    AuditAction,
    AuditEntry,
    AuditRole,
    Case,
    Decision,
    Flag,
    FlagReason,
    ReviewVote,
)
from moderation.services.audit import audit_write
from moderation.services.flags import flag_create, trusted_ai_flaggers
from moderation.services.maintenance import case_process
from moderation.services.review import can_review
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory

BASE_DIR = Path(settings.BASE_DIR).resolve()


def _project_models() -> list[type[models.Model]]:
    """Models of the apps that live in this repository (not Django's, allauth's, taggit's)."""
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(BASE_DIR) and ".venv" not in path.parts:
            found.extend(config.get_models())
    return found


def _choices_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in _project_models()
        for field in model._meta.concrete_fields
        if field.choices is not None and field.model is model
    ]


def _valid_values(field: models.Field) -> set:
    """The choices' values, plus "" where the field may be blank (Django's own validation
    accepts the empty value of a blank field without it being a choice)."""
    values = {value for value, _label in field.flatchoices}
    if field.blank and isinstance(field, models.CharField):
        values.add("")
    return values


def test_the_walk_covers_every_app_with_choices_fields():
    labels = {model._meta.app_label for model, _field in _choices_fields()}
    assert {"accounts", "gallery", "moderation"} <= labels


@pytest.mark.parametrize(
    ("model", "field"),
    _choices_fields(),
    ids=lambda v: v.__name__ if isinstance(v, type) else getattr(v, "name", str(v)),
)
def test_every_choices_field_has_a_check_constraint_on_exactly_its_values(model, field):
    name = f"{model._meta.app_label}_{model._meta.model_name}_{field.name}_valid"
    checks = {c.name: c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)}
    assert name in checks, f"{model.__name__}.{field.name} has choices but no {name}"
    condition = checks[name].condition
    assert not condition.negated and condition.connector == models.Q.AND
    assert len(condition.children) == 1, condition
    lookup, values = condition.children[0]
    assert lookup == f"{field.name}__in"
    assert len(values) == len(set(values)), f"{name} repeats a value"
    assert set(values) == _valid_values(field)


@pytest.mark.django_db
def test_makemigrations_has_nothing_to_write():
    # --check exits non-zero when a model change (a new choice, say) lacks its migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# --- PostgreSQL refuses what the models would refuse -------------------------------------------


def _artwork_image(artwork: Artwork) -> ArtworkImage:
    return ArtworkImage.objects.create(
        artwork=artwork, original="x.jpg", format="JPEG", sha256="0" * 64
    )


BAD_WRITES = {
    "user.trust_level": lambda a: (User.objects.filter(pk=a.artist_id), {"trust_level": 9}),
    "notification.kind": lambda a: (_notification(a.artist), {"kind": "k"}),
    "artwork.medium": lambda a: (Artwork.objects.filter(pk=a.pk), {"medium": "watercolour"}),
    "artwork.provenance_verdict": lambda a: (
        Artwork.objects.filter(pk=a.pk),
        {"provenance_verdict": "maybe"},
    ),
    "artworkimage.provenance_verdict": lambda a: (
        ArtworkImage.objects.filter(pk=_artwork_image(a).pk),
        {"provenance_verdict": "maybe"},
    ),
    "labelchange.by": lambda a: (
        LabelChange.objects.filter(
            pk=LabelChange.objects.create(artwork=a, to_label="human-made", by="artist").pk
        ),
        {"by": "robot"},
    ),
    "case.reason": lambda a: (Case.objects.filter(pk=_case(a).pk), {"reason": "boring"}),
    "case.label_at_open": lambda a: (Case.objects.filter(pk=_case(a).pk), {"label_at_open": "x"}),
    "flag.source": lambda a: (Flag.objects.filter(case=_case(a)), {"source": "email"}),
    "flag.status": lambda a: (Flag.objects.filter(case=_case(a)), {"status": "lost"}),
    "decision.action": lambda a: (
        Decision.objects.filter(
            pk=Decision.objects.create(case=_case(a), action="warn", reason="r").pk
        ),
        {"action": "ban"},
    ),
    "reviewvote.vote": lambda a: (
        ReviewVote.objects.filter(
            pk=ReviewVote.objects.create(case=_case(a), reviewer=a.artist, vote="ai").pk
        ),
        {"vote": "perhaps"},
    ),
}


def _notification(user: User):
    notify(user=user, kind=NotificationKind.DECISION, title="t")
    return Notification.objects.filter(user=user)


def _case(artwork: Artwork) -> Case:
    case = Case.objects.filter(artwork=artwork).first()
    if case is None:
        case = Case.objects.create(artwork=artwork, reason=FlagReason.SPAM)
        Flag.objects.create(artwork=artwork, case=case, reason=FlagReason.SPAM)
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("where", sorted(BAD_WRITES))
def test_database_refuses_a_value_outside_the_vocabulary(where):
    queryset, change = BAD_WRITES[where](ArtworkFactory())
    assert queryset.exists()
    constraint = f"{where.replace('.', '_')}_valid"
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        queryset.update(**change)
    field, value = next(iter(change.items()))
    assert not queryset.filter(**{field: value}).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"actor_role": "member"}, "moderation_auditentry_actor_role_valid"),
        ({"action": "poke"}, "moderation_auditentry_action_valid"),
    ],
)
def test_database_refuses_audit_entries_outside_the_vocabulary(change, constraint):
    # The audit log is append-only: a bad value can only arrive with an insert.
    row = {"actor_role": AuditRole.SYSTEM, "action": AuditAction.ESCALATE, **change}
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        AuditEntry.objects.create(**row)
    assert not AuditEntry.objects.exists()


def test_audit_actions_cover_every_decision_action():
    # moderation.services.decisions logs each decision under its own action.
    assert set(Decision.Action.values) <= set(AuditAction.values)


@pytest.mark.django_db
def test_writers_refuse_strings_outside_the_vocabulary(artist):
    with pytest.raises(ValueError, match="member"):
        audit_write(actor=None, role="member", action=AuditAction.ESCALATE)
    with pytest.raises(ValueError, match="k"):
        notify(user=artist, kind="k", title="t")
    assert not AuditEntry.objects.exists() and not Notification.objects.exists()


# --- Existing rows: the legacy role "member" is mapped before the constraint arrives ------------

BEFORE = [("moderation", "0002_audit_append_only_and_permissions")]


@pytest.mark.django_db(transaction=True)
def test_migration_maps_the_legacy_member_role_of_existing_audit_entries():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldEntry = old.get_model("moderation", "AuditEntry")
    legacy = OldEntry.objects.create(actor_role="member", action="flag")
    kept = OldEntry.objects.create(actor_role="system", action="flag:provenance")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert AuditEntry.objects.get(pk=legacy.pk).actor_role == AuditRole.REPORTER
    assert AuditEntry.objects.get(pk=kept.pk).actor_role == AuditRole.SYSTEM
    # The append-only trigger is back on after the migration's one UPDATE.
    with (
        pytest.raises(InternalError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE moderation_auditentry SET reason = 'x'")


@pytest.mark.django_db
def test_member_flag_is_logged_in_the_reporter_role(viewer):
    flag = flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    entry = AuditEntry.objects.get(case=flag.case)
    assert (entry.actor, entry.actor_role, entry.action) == (viewer, "reporter", "flag")


# --- One definition of "moderator" and of "trusted reviewer" -----------------------------------


@pytest.fixture
def permission_moderator(db):
    """A moderator by permission alone: no Moderators group."""
    user = UserFactory(handle="perm-mod")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    return User.objects.get(pk=user.pk)  # a fresh row: no cached permissions


@pytest.mark.django_db
def test_moderator_is_whoever_holds_the_permission_everywhere(client, permission_moderator):
    assert permission_moderator.is_moderator
    assert list(User.objects.moderators()) == [permission_moderator]
    client.force_login(permission_moderator)
    assert reverse("moderation:queue") in client.get("/").content.decode()
    assert token_client(permission_moderator).get(reverse("api:cases")).status_code == 200


@pytest.mark.django_db
def test_high_risk_cases_reach_moderators_by_permission(permission_moderator):
    artwork = ArtworkFactory()  # its artist joined today: "new account" adds to the score
    case = Case.objects.create(artwork=artwork, reason=FlagReason.STOLEN)
    Flag.objects.create(artwork=artwork, case=case, source="reupload", reason=FlagReason.STOLEN)
    case_process(case_id=case.pk)
    note = Notification.objects.get(kind=NotificationKind.CASE_HIGH_RISK)
    assert note.user == permission_moderator


@pytest.mark.django_db
def test_trusted_reviewer_follows_the_review_trust_level_setting(client, settings):
    settings.MODERATION_REVIEW_TRUST_LEVEL = 4
    regular = UserFactory(handle="three", trust_level=3)
    veteran = UserFactory(handle="four", trust_level=4)

    assert not regular.is_trusted_reviewer and veteran.is_trusted_reviewer
    assert not can_review(regular) and can_review(veteran)
    assert list(User.objects.trusted_reviewers()) == [veteran]
    client.force_login(regular)
    assert reverse("moderation:review") not in client.get("/").content.decode()
    client.force_login(veteran)
    assert reverse("moderation:review") in client.get("/").content.decode()
    assert token_client(regular).get(reverse("api:review")).status_code == 403
    assert token_client(veteran).get(reverse("api:review")).status_code == 200
    # The auto-hold counts trusted reviewers' AI flags by the same rule.
    artwork = ArtworkFactory()
    flag_create(reporter=regular, artwork=artwork, reason="undisclosed-ai")
    flag_create(reporter=veteran, artwork=artwork, reason="undisclosed-ai")
    assert trusted_ai_flaggers(Case.objects.get(artwork=artwork)) == 1


@pytest.mark.django_db
def test_a_suspended_member_is_no_trusted_reviewer(suspended_user):
    User.objects.filter(pk=suspended_user.pk).update(trust_level=4)
    suspended_user.refresh_from_db()
    assert not suspended_user.is_trusted_reviewer
    assert not User.objects.trusted_reviewers().filter(pk=suspended_user.pk).exists()
