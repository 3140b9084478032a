"""Signed customer tokens: only the site's secret can vouch for a customer."""

import pytest

from agent.identity import InvalidToken, sign_customer, verify_customer

SECRET = b"site-secret"


def test_round_trip() -> None:
    assert verify_customer(sign_customer("noah_brown_6181", SECRET), SECRET) == "noah_brown_6181"


def test_a_token_for_someone_else_cannot_be_forged_by_editing_the_id() -> None:
    token = sign_customer("noah_brown_6181", SECRET)
    forged = sign_customer("ivan_santos_6635", SECRET).split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(InvalidToken, match="signature"):
        verify_customer(forged, SECRET)


def test_wrong_secret_is_rejected() -> None:
    with pytest.raises(InvalidToken, match="signature"):
        verify_customer(sign_customer("noah_brown_6181", b"other"), SECRET)


@pytest.mark.parametrize("token", ["", "no-dot", ".abc", "abc.", "!!!.deadbeef"])
def test_malformed_tokens_get_a_clear_error(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_customer(token, SECRET)
