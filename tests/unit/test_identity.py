"""Customer tokens: JWTs only the site's secret can mint, valid for a while, for one site if it says so."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from agent.conversations.identity import InvalidToken, WeakSecret, check_secret, sign_customer, verify_customer

SECRET = b"site-secret-that-is-long-enough-0123"
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def verify(token: str, now: datetime = NOW, site_key: str | None = None, secrets=(SECRET,)) -> str:
    return verify_customer(token, list(secrets), now=now, site_key=site_key)


def test_round_trip_with_the_claims_a_site_expects() -> None:
    token = sign_customer("noah_brown_6181", SECRET, now=NOW, ttl_s=600)
    assert verify(token) == "noah_brown_6181"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"sub": "noah_brown_6181", "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 600}


def test_it_expires() -> None:
    token = sign_customer("noah_brown_6181", SECRET, now=NOW, ttl_s=600)
    assert verify(token, NOW + timedelta(seconds=630)) == "noah_brown_6181"  # within a minute's clock skew
    with pytest.raises(InvalidToken, match="expired"):
        verify(token, NOW + timedelta(seconds=700))


def test_a_token_from_the_future_is_refused() -> None:
    with pytest.raises(InvalidToken, match="not valid yet"):
        verify(sign_customer("noah_brown_6181", SECRET, now=NOW + timedelta(hours=1)))


def test_a_token_for_someone_else_cannot_be_forged_by_editing_the_id() -> None:
    header, _, signature = sign_customer("noah_brown_6181", SECRET, now=NOW).split(".")
    other = sign_customer("ivan_santos_6635", b"x" * 32, now=NOW).split(".")[1]
    with pytest.raises(InvalidToken, match="signature"):
        verify(f"{header}.{other}.{signature}")


def test_wrong_secret_is_rejected_and_any_of_several_secrets_verifies() -> None:
    old, new = b"o" * 32, b"n" * 32
    with pytest.raises(InvalidToken, match="signature"):
        verify(sign_customer("noah_brown_6181", old, now=NOW))
    assert verify(sign_customer("noah_brown_6181", old, now=NOW), secrets=(new, old)) == "noah_brown_6181"


def test_a_token_bound_to_a_site_works_only_there() -> None:
    token = sign_customer("noah_brown_6181", SECRET, now=NOW, site_key="shop-1")
    assert verify(token, site_key="shop-1") == "noah_brown_6181"
    for elsewhere in ("shop-2", None):
        with pytest.raises(InvalidToken, match="another site"):
            verify(token, site_key=elsewhere)
    assert verify(sign_customer("noah_brown_6181", SECRET, now=NOW), site_key="shop-2") == "noah_brown_6181"


@pytest.mark.parametrize("claims, words", [
    ({"sub": "a", "iat": 1}, "no 'exp' claim"),
    ({"sub": "a", "exp": 4_000_000_000}, "no 'iat' claim"),
    ({"exp": 4_000_000_000, "iat": 1}, "no 'sub' claim"),
    ({"sub": "", "exp": 4_000_000_000, "iat": 1}, "sub must be the customer id"),
    ({"sub": 7, "exp": 4_000_000_000, "iat": 1}, "not a valid JWT"),
    ({"sub": "a" * 201, "exp": 4_000_000_000, "iat": 1}, "sub must be the customer id"),
    ({"sub": "a", "exp": "tomorrow", "iat": 1}, "must be numbers"),
])
def test_tokens_missing_what_they_need_are_refused(claims, words) -> None:
    with pytest.raises(InvalidToken, match=words):
        verify(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("algorithm", ["HS512", "none"])
def test_only_hs256_is_accepted(algorithm: str) -> None:
    claims = {"sub": "a", "exp": 4_000_000_000, "iat": 1}
    token = jwt.encode(claims, SECRET * 2 if algorithm != "none" else None, algorithm=algorithm)
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize("token", ["", "no-dot", "a.b", "a.b.c.d", "!!!.deadbeef.x", "é.é.é", "x" * 5000,
                                   "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.\udcff"])
def test_malformed_tokens_get_a_clear_error(token: str) -> None:
    with pytest.raises(InvalidToken, match="customer_token"):
        verify(token)


@pytest.mark.parametrize("secret", [b"", b"short", b"x" * 31])
def test_weak_secrets_are_refused_naming_the_setting(secret: bytes) -> None:
    with pytest.raises(WeakSecret, match="CONCIERGE_WEB__IDENTITY_SECRETS"):
        check_secret(secret)
    with pytest.raises(WeakSecret):
        sign_customer("a", secret, now=NOW)
