"""Signing in as someone else: forged, expired, replayed-elsewhere and malformed customer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from tests.conftest import IDENTITY_SECRET, customer_token, pinned_clock
from tests.security.conftest import VICTIM

NOW = int(pinned_clock().now().timestamp())
KEY = IDENTITY_SECRET.encode()


def claims(**override) -> dict:
    return {"sub": VICTIM, "iat": NOW, "exp": NOW + 600, **override}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unsigned(payload: dict) -> str:
    """alg "none": a token anyone can write."""
    return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(payload).encode())}."


def old_hmac_format(customer: str) -> str:
    """The token format before JWTs: base64url(id).hex(HMAC)."""
    return f"{_b64(customer.encode())}.{hmac.new(KEY, customer.encode(), hashlib.sha256).hexdigest()}"


def forged_payload() -> str:
    """A real token of the attacker with the payload swapped for the victim's."""
    header, _, signature = customer_token("liam_lopez_7019").split(".")
    return f"{header}.{_b64(json.dumps(claims()).encode())}.{signature}"


FORGED = {
    "signed-with-another-sites-secret": lambda: jwt.encode(claims(), "another-site-secret-0123456789abcdef"),
    "unsigned-alg-none": lambda: unsigned(claims()),
    "hs512-with-the-real-secret": lambda: jwt.encode(claims(), KEY * 2, algorithm="HS512"),
    "payload-swapped-under-a-real-signature": forged_payload,
    "expired-an-hour-ago": lambda: jwt.encode(claims(iat=NOW - 7200, exp=NOW - 3600), KEY),
    "issued-tomorrow": lambda: jwt.encode(claims(iat=NOW + 86400, exp=NOW + 90000), KEY),
    "not-before-tomorrow": lambda: jwt.encode(claims(nbf=NOW + 86400), KEY),
    "without-exp": lambda: jwt.encode({"sub": VICTIM, "iat": NOW}, KEY),
    "without-iat": lambda: jwt.encode({"sub": VICTIM, "exp": NOW + 600}, KEY),
    "without-sub": lambda: jwt.encode({"iat": NOW, "exp": NOW + 600}, KEY),
    "empty-sub": lambda: jwt.encode(claims(sub=""), KEY),
    "sub-is-a-list": lambda: jwt.encode(claims(sub=[VICTIM]), KEY),
    "exp-is-a-string": lambda: jwt.encode(claims(exp="never"), KEY),
    "for-another-site": lambda: jwt.encode(claims(aud="shop-1"), KEY),
    "old-hmac-format": lambda: old_hmac_format(VICTIM),
    "an-access-token-instead": lambda: "f7U6zsUss2xV7ZB2JkO8KDY5O3zrqUxasPAeQGJNbrA",
    "non-ascii": lambda: "eyJ" + "é" * 40 + ".x.y",
    "huge": lambda: jwt.encode(claims(padding="x" * 6000), KEY),
    "whitespace-around": lambda: f"  {customer_token(VICTIM)}\n",
    "three-dots": lambda: customer_token(VICTIM) + ".",
    "lone-surrogate": lambda: "eyJ\udcff.eyJ.sig",
}


@pytest.mark.parametrize("make", FORGED.values(), ids=FORGED.keys())
def test_a_bad_customer_token_signs_nobody_in_and_says_why(client, make) -> None:
    body = json.dumps({"customer_token": make(), "site_key": "demo"})  # ASCII JSON: a lone surrogate as \udcff
    r = client.post("/v1/conversations", content=body.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code in (401, 422), r.text
    assert "customer_token" in r.json()["detail"] or r.status_code == 422
    assert "Traceback" not in r.text


def test_a_token_for_a_site_works_on_that_site_only(client) -> None:
    token = customer_token(VICTIM, site_key="shop-1")
    assert client.post("/v1/conversations", json={"customer_token": token, "site_key": "shop-1"}).status_code == 201
    assert client.post("/v1/conversations", json={"customer_token": token}).status_code == 401


def test_extra_claims_grant_nothing_beyond_the_customer(client) -> None:
    token = jwt.encode(claims(admin=True, role="agent", scope="all_customers"), KEY)
    r = client.post("/v1/conversations", json={"customer_token": token})
    assert r.status_code == 201 and r.json()["customer_id"] == VICTIM
    staff = client.get("/v1/agent/tickets", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert staff.status_code == 401  # the staff API wants the agent key, whatever a customer token says


def test_a_token_that_expired_while_the_page_was_open_is_refused(client, clock) -> None:
    token = customer_token(VICTIM, clock, ttl_s=3600)
    clock.advance(hours=2)
    r = client.post("/v1/conversations", json={"customer_token": token})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_a_token_field_of_the_wrong_type_is_a_422(client) -> None:
    r = client.post("/v1/conversations", json={"customer_token": {"sub": VICTIM}})
    assert r.status_code == 422 and "customer_token" in r.json()["detail"]
