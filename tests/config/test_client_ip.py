"""Per-IP limits count the client behind our proxies, never the proxy, never what the client
writes: config.client_ip, used by allauth's limits and the API's throttles alike."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from config.client_ip import client_ip, client_ip_bucket
from tests.api.clients import throttle_rates
from tests.factories import PASSWORD

PROXY = "10.0.0.2"  # what REMOTE_ADDR is behind the TLS proxy, for every visitor


def _request(xff: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_HOPS=0)
def test_without_trusted_proxies_forwarded_for_is_ignored():
    assert client_ip(_request("203.0.113.7")) == PROXY
    assert client_ip(_request()) == PROXY


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_one_hop_takes_the_entry_our_proxy_appended():
    assert client_ip(_request("203.0.113.7")) == "203.0.113.7"
    # The client wrote the left part; our proxy appended the right one.
    assert client_ip(_request("1.1.1.1, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request("[2001:db8::1]:4711")) == "2001:db8::1"


@override_settings(TRUSTED_PROXY_HOPS=2)
def test_two_hops_take_the_second_from_the_right():
    assert client_ip(_request("1.1.1.1, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"
    # Fewer entries than hops: the outer proxy was bypassed; what there is came from ours.
    assert client_ip(_request("10.0.0.9")) == "10.0.0.9"


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_unreadable_forwarded_entry_falls_back_to_the_proxy_address():
    assert client_ip(_request("not-an-address")) == PROXY
    assert client_ip(_request("")) == PROXY


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_ipv6_clients_share_a_bucket_per_64_block():
    assert client_ip_bucket(_request("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert client_ip_bucket(_request("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::"
    assert client_ip_bucket(_request("203.0.113.7")) == "203.0.113.7"


# --- allauth's login limits -----------------------------------------------------------------


def _fail_logins(client: Client, xff: str, count: int = 11) -> str:
    """Failed logins for made-up handles (so only the per-IP limit applies); the last page."""
    body = ""
    for i in range(count):
        response = client.post(
            reverse("account_login"),
            {"login": f"nobody{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=xff,
            REMOTE_ADDR=PROXY,
        )
        body = response.content.decode()
    return body


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=1)
def test_failed_logins_from_one_client_do_not_lock_out_another_behind_the_proxy(artist):
    last = _fail_logins(Client(), "203.0.113.66")
    assert "Too many failed login attempts" in last  # the attacker is limited...
    member = Client()
    response = member.post(
        reverse("account_login"),
        {"login": "ana", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.5",
        REMOTE_ADDR=PROXY,
    )
    # ...and the member behind the same proxy is not.
    assert response.status_code == 302
    assert member.session["_auth_user_id"] == str(artist.pk)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=1)
def test_spoofed_leftmost_forwarded_entry_does_not_give_a_fresh_identity(artist):
    client = Client()
    for i in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.66",
            REMOTE_ADDR=PROXY,
        )
    response = client.post(
        reverse("account_login"),
        {"login": "ana", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.66",
        REMOTE_ADDR=PROXY,
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=0)
def test_without_trusted_proxies_forwarded_for_does_not_dodge_the_login_limit(artist):
    client = Client()
    for i in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = client.post(
        reverse("account_login"),
        {"login": "ana", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.5",
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- the API's throttles ----------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=1)
def test_api_anonymous_budget_is_per_client_behind_the_proxy():
    api = APIClient()
    with throttle_rates(anon="3/hour"):
        spent = [
            api.get("/api/v1/artworks/", HTTP_X_FORWARDED_FOR="203.0.113.66", REMOTE_ADDR=PROXY)
            for _ in range(4)
        ]
        other = api.get("/api/v1/artworks/", HTTP_X_FORWARDED_FOR="198.51.100.5", REMOTE_ADDR=PROXY)
        spoofed = api.get(
            "/api/v1/artworks/",
            HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.66",
            REMOTE_ADDR=PROXY,
        )
    assert [r.status_code for r in spent] == [200, 200, 200, 429]
    assert other.status_code == 200
    assert spoofed.status_code == 429
