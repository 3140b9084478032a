"""Signed customer identity: the site's backend vouches for who the customer is.

A token is ``base64url(customer_id) + "." + hex(HMAC-SHA256(secret, customer_id))``,
the scheme chat-widget vendors use for identity verification: the page that
embeds the widget gets the token from the site's own backend, so a customer
cannot claim to be someone else by editing the page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


class InvalidToken(ValueError):
    """The token is malformed or its signature does not match."""


def sign_customer(customer_id: str, secret: bytes) -> str:
    """The token that identifies ``customer_id`` to Concierge."""
    if not customer_id:
        raise ValueError("customer_id must not be empty")
    encoded = base64.urlsafe_b64encode(customer_id.encode()).decode().rstrip("=")
    return f"{encoded}.{hmac.new(secret, customer_id.encode(), hashlib.sha256).hexdigest()}"


def verify_customer(token: str, secret: bytes) -> str:
    """The customer id inside a valid token; :class:`InvalidToken` otherwise."""
    encoded, sep, signature = token.partition(".")
    if not sep or not encoded or not signature:
        raise InvalidToken("customer_token must look like '<id>.<signature>' (see `concierge token`)")
    try:
        customer_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidToken("customer_token is not valid base64url") from None
    expected = hmac.new(secret, customer_id.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise InvalidToken("customer_token signature does not match; was it signed with this site's secret?")
    return customer_id
