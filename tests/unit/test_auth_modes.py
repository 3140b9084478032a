"""Authentication modes: knowing someone's email is not enough unless τ-bench mode is opted into."""

from datetime import timedelta

import pytest

from tests.unit.test_runner import NOW, USERS
from tools.clock import Clock, FixedClock
from tools.registry import Registry
from tools.runner import Status, ToolRunner

CUSTOMER = "noah_brown_6181"
EMAIL = USERS[CUSTOMER]["email"]


def runner_for(registry: Registry, engine, settings, mode: str, clock: Clock | None = None) -> ToolRunner:
    tuned = settings.model_copy(update={"tools": settings.tools.model_copy(update={"auth_mode": mode})})
    return ToolRunner(registry, engine, tuned, clock=clock or FixedClock(NOW))


def test_tau_mode_accepts_an_email_or_name_and_zip(registry, engine, settings) -> None:
    runner = runner_for(registry, engine, settings, "tau")
    by_email = runner.run("find_user_id_by_email", {"email": EMAIL.upper()}, customer_id=None)
    assert by_email.ok and by_email.authenticated == CUSTOMER
    by_zip = runner.run("find_user_id_by_name_zip", {"first_name": "noah", "last_name": "BROWN", "zip": "80279"},
                        customer_id=None)
    assert by_zip.authenticated == CUSTOMER
    missing = runner.run("find_user_id_by_email", {"email": "nobody@example.com"}, customer_id=None)
    assert missing.status is Status.ERROR and missing.authenticated is None


def test_token_mode_never_authenticates_by_email(registry, engine, settings) -> None:
    runner = runner_for(registry, engine, settings, "token")
    stranger = runner.run("find_user_id_by_email", {"email": EMAIL}, customer_id=None)
    assert stranger.status is Status.ERROR and stranger.authenticated is None and "sign in" in stranger.message
    other = runner.run("find_user_id_by_email", {"email": EMAIL}, customer_id="ivan_santos_6635")
    assert other.status is Status.ERROR and other.authenticated is None
    itself = runner.run("find_user_id_by_email", {"email": EMAIL}, customer_id=CUSTOMER)
    assert itself.authenticated == CUSTOMER


def _code(settings) -> str:
    (mail,) = sorted(settings.outbox_dir.glob("*.txt"))
    assert f"To: {EMAIL}" in mail.read_text()
    return mail.read_text().split("Your code is ")[1][:6]


def test_email_code_mode_needs_the_code_from_the_mailbox(registry, engine, settings) -> None:
    runner = runner_for(registry, engine, settings, "email_code")
    asked = runner.run("find_user_id_by_email", {"email": EMAIL}, customer_id=None, conversation_id="c1")
    assert asked.ok and asked.authenticated is None and "code" in asked.data
    wrong = runner.run("verify_email_code", {"code": "000000"}, customer_id=None, conversation_id="c1")
    assert wrong.status is Status.ERROR and wrong.authenticated is None
    other_chat = runner.run("verify_email_code", {"code": _code(settings)}, customer_id=None, conversation_id="c2")
    assert other_chat.authenticated is None
    right = runner.run("verify_email_code", {"code": _code(settings)}, customer_id=None, conversation_id="c1")
    assert right.ok and right.authenticated == CUSTOMER
    reused = runner.run("verify_email_code", {"code": _code(settings)}, customer_id=None, conversation_id="c1")
    assert reused.authenticated is None


def test_unknown_emails_get_the_same_answer_in_email_code_mode(registry, engine, settings) -> None:
    runner = runner_for(registry, engine, settings, "email_code")
    known = runner.run("find_user_id_by_email", {"email": EMAIL}, customer_id=None, conversation_id="c1")
    unknown = runner.run("find_user_id_by_email", {"email": "nobody@example.com"}, customer_id=None,
                         conversation_id="c2")
    assert known.data == unknown.data and len(list(settings.outbox_dir.glob("*.txt"))) == 1


@pytest.mark.parametrize("case", ["expired", "too-many-attempts"])
def test_codes_expire_and_attempts_are_limited(registry, engine, settings, case: str) -> None:
    runner = runner_for(registry, engine, settings, "email_code")
    runner.run("find_user_id_by_email", {"email": EMAIL}, customer_id=None, conversation_id="c1")
    code = _code(settings)
    if case == "expired":
        runner = runner_for(registry, engine, settings, "email_code", clock=FixedClock(NOW + timedelta(hours=1)))
    else:
        for _ in range(settings.tools.email_code_attempts):
            runner.run("verify_email_code", {"code": "111111"}, customer_id=None, conversation_id="c1")
    late = runner.run("verify_email_code", {"code": code}, customer_id=None, conversation_id="c1")
    assert late.status is Status.ERROR and late.authenticated is None and "expired" in late.message
