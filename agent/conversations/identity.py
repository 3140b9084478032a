"""Signed customer identity: the site's backend vouches for who the customer is, for a short while.

The token is a JWT (HS256) that the site's backend mints with a secret it shares
with Concierge: ``sub`` is the customer id, ``exp`` and ``iat`` bound its life, and
an optional ``aud`` names the widget's site key it is meant for. The browser only
ever sees the token, never the secret, so a customer cannot claim to be someone
else by editing the page, and a token copied out of a page stops working soon.

Several secrets may verify (the first one signs), so a site rotates its secret by
adding the new one first, deploying its backend, then removing the old one.
Time comes from the caller's clock (tools/clock.py), never from the wall clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
MAX_TOKEN_CHARS = 4096  # a JWT with a customer id is a few hundred characters; more is an attack
MAX_CUSTOMER_ID_CHARS = 200
LEEWAY_S = 60  # clocks of the site's backend and of this server may differ a little
SECRETS_SETTING = "CONCIERGE_WEB__IDENTITY_SECRETS"
_HINT = "mint a fresh one on the site's backend (see `concierge token`)"


class InvalidToken(ValueError):
    """The customer token is malformed, forged, expired or meant for another site; the message says which."""


class WeakSecret(ValueError):
    """A configured identity secret is empty or too short to sign tokens; the message names the setting."""


def check_secret(secret: bytes, position: int = 1) -> bytes:
    """``secret`` if it is long enough to sign customer tokens; :class:`WeakSecret` naming the setting otherwise."""
    if len(secret) < MIN_SECRET_BYTES:
        what = "empty" if not secret else f"{len(secret)} bytes long"
        raise WeakSecret(f"{SECRETS_SETTING}: secret {position} is {what}; every secret needs at least "
                         f"{MIN_SECRET_BYTES} random bytes (e.g. `openssl rand -hex 32`)")
    return secret


def sign_customer(customer_id: str, secret: bytes, *, now: datetime, ttl_s: int = 3600,
                  site_key: str | None = None) -> str:
    """A token that identifies ``customer_id`` until ``now + ttl_s`` (for ``site_key`` only, if given)."""
    if not customer_id:
        raise ValueError("customer_id must not be empty")
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    claims: dict[str, Any] = {"sub": customer_id, "iat": int(now.timestamp()),
                              "exp": int((now + timedelta(seconds=ttl_s)).timestamp())}
    if site_key:
        claims["aud"] = site_key
    return jwt.encode(claims, check_secret(secret), algorithm=ALGORITHM)


def verify_customer(token: str, secrets: Sequence[bytes], *, now: datetime, site_key: str | None = None) -> str:
    """The customer id of a valid token for ``site_key``; :class:`InvalidToken` saying what is wrong otherwise."""
    if not isinstance(token, str) or not token:
        raise InvalidToken("customer_token is empty; " + _HINT)
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken(f"customer_token is {len(token)} characters long; a customer token is a JWT of at most "
                           f"{MAX_TOKEN_CHARS}")
    if not token.isascii() or token.count(".") != 2:
        raise InvalidToken("customer_token is not a JWT (three base64url parts separated by dots); " + _HINT)
    claims = _decode(token, secrets)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_CUSTOMER_ID_CHARS:
        raise InvalidToken(f"customer_token's sub must be the customer id (1 to {MAX_CUSTOMER_ID_CHARS} characters)")
    _check_times(claims, now.timestamp())
    _check_audience(claims.get("aud"), site_key)
    return subject


def _decode(token: str, secrets: Sequence[bytes]) -> dict[str, Any]:
    """The claims of ``token`` if one of ``secrets`` signed it with HS256 (times are checked by the caller)."""
    options: Any = {"require": ["sub", "exp", "iat"], "verify_exp": False, "verify_iat": False, "verify_nbf": False,
               "verify_aud": False}
    for secret in secrets:
        try:
            return jwt.decode(token, secret, algorithms=[ALGORITHM], options=options)
        except jwt.InvalidSignatureError:
            continue  # maybe signed with another of the configured secrets
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"customer_token has no {exc.claim!r} claim; it needs sub, exp and iat") from None
        except jwt.InvalidAlgorithmError:
            raise InvalidToken(f"customer_token must be signed with {ALGORITHM}") from None
        except jwt.PyJWTError:
            raise InvalidToken("customer_token is not a valid JWT; " + _HINT) from None
    raise InvalidToken("customer_token's signature does not match; was it signed with this site's secret "
                       f"({SECRETS_SETTING})?")


def _seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_times(claims: dict[str, Any], now: float) -> None:
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not (_seconds(exp) and _seconds(iat) and (nbf is None or _seconds(nbf))):
        raise InvalidToken("customer_token's exp, iat and nbf must be numbers (seconds since 1970)")
    assert isinstance(exp, int | float) and isinstance(iat, int | float)  # for the type checker: checked above
    if now >= exp + LEEWAY_S:
        raise InvalidToken("customer_token has expired; " + _HINT)
    if iat > now + LEEWAY_S or (nbf is not None and nbf > now + LEEWAY_S):
        raise InvalidToken("customer_token is not valid yet (issued in the future): check the clock of the site's "
                           "backend")


def _check_audience(audience: Any, site_key: str | None) -> None:
    """A token bound to a site (``aud``) works only with that site's key."""
    if audience is None:
        return
    allowed = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if site_key is None or site_key not in allowed:
        raise InvalidToken("customer_token was issued for another site: its aud does not match this site_key")
