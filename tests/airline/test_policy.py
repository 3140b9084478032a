"""The airline's policy in code: what the reservation system refuses, and what only a supervisor may allow.

Each call runs through the ToolRunner as the agent's would, as the member it names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from agent.db import make_engine
from tests.airline.conftest import airline_settings
from tools.clock import FixedClock
from tools.registry import load_registry
from tools.runner import Status, ToolResult, ToolRunner


@pytest.fixture
def runner(airline: Path, airline_template: Path, tmp_path: Path, clock: FixedClock) -> ToolRunner:
    settings = airline_settings(tmp_path, airline_template)
    return ToolRunner(load_registry(["airline"]), make_engine(settings), settings, clock=clock)


def ask(runner: ToolRunner, member: str, tool: str, **args) -> ToolResult:
    """The call's first answer: its preview (or its refusal)."""
    return runner.run(tool, args, customer_id=member, conversation_id="c1")


def confirm(runner: ToolRunner, member: str, tool: str, approved_by: str | None = None, **args) -> ToolResult:
    """The call confirmed by the member (and approved, when ``approved_by``)."""
    first = ask(runner, member, tool, **args)
    assert first.status in (Status.CONFIRM, Status.APPROVAL), first.message
    return runner.run(tool, args, customer_id=member, conversation_id="c1", confirmed=first.args_hash,
                      approved_by=approved_by)


def reservation(runner: ToolRunner, rid: str) -> dict:
    from concierge_airline.store import reservation_record

    with Session(runner.engine) as session:
        return reservation_record(session, rid)


def test_a_cancellation_the_policy_allows_needs_only_the_members_confirmation(runner: ToolRunner) -> None:
    # Business class can always be cancelled.
    preview = ask(runner, "amelia_davis_8890", "cancel_reservation", reservation_id="8C8K4E")
    assert preview.status is Status.CONFIRM
    assert preview.message == ("Cancel reservation 8C8K4E (HAT247 BOS→MIA on 2024-05-24, HAT193 MIA→DEN on "
                               "2024-05-24); $5,680 back to your gift card gift_card_1647044 in 5 to 7 business days")
    done = confirm(runner, "amelia_davis_8890", "cancel_reservation", reservation_id="8C8K4E")
    assert done.ok and reservation(runner, "8C8K4E")["status"] == "cancelled"


def test_a_cancellation_the_policy_forbids_waits_for_a_supervisor(runner: ToolRunner) -> None:
    # Economy, no insurance, booked two weeks before the policy's "now", no flight cancelled.
    waiting = confirm(runner, "mia_kim_4397", "cancel_reservation", reservation_id="H9ZU1C", reason="change of plan")
    assert waiting.status is Status.APPROVAL and "a supervisor must approve it" in waiting.message
    assert "booked more than 24 hours ago" in waiting.message and "no travel insurance" in waiting.message
    assert "status" not in reservation(runner, "H9ZU1C")
    approved = confirm(runner, "mia_kim_4397", "cancel_reservation", approved_by="slack:U1",
                       reservation_id="H9ZU1C", reason="change of plan")
    assert approved.ok and reservation(runner, "H9ZU1C")["status"] == "cancelled"


def test_within_24_hours_of_booking_anything_can_be_cancelled(runner: ToolRunner) -> None:
    # Basic economy without insurance, but booked 23 hours before the policy's current time.
    assert ask(runner, "mohamed_silva_9265", "cancel_reservation", reservation_id="K1NW8N").status is Status.CONFIRM


def test_a_trip_already_flown_cannot_be_cancelled_by_the_agent(runner: ToolRunner) -> None:
    flown = ask(runner, "aarav_ahmed_6699", "cancel_reservation", reservation_id="NQNU5R")
    assert flown.status is Status.CONFIRM  # the member is asked first, then a supervisor must approve
    assert "already been flown" in flown.message


def test_basic_economy_flights_cannot_be_changed_but_the_cabin_can(runner: ToolRunner) -> None:
    member, same = "omar_rossi_1241", [{"flight_number": "HAT056", "date": "2024-05-25"},
                                       {"flight_number": "HAT138", "date": "2024-05-25"}]
    upgrade = ask(runner, member, "update_reservation_flights", reservation_id="FQ8APE", cabin="economy",
                  flights=same, payment_id="gift_card_8190333")
    assert upgrade.status is Status.CONFIRM and "supervisor" not in upgrade.message
    assert upgrade.message.startswith("Change the cabin of reservation FQ8APE from basic economy to economy; you pay $")
    other = [{"flight_number": "HAT056", "date": "2024-05-26"}, {"flight_number": "HAT138", "date": "2024-05-26"}]
    change = ask(runner, member, "update_reservation_flights", reservation_id="FQ8APE", cabin="basic_economy",
                 flights=other, payment_id="gift_card_8190333")
    assert "basic economy flights cannot be changed" in change.message


def test_a_certificate_cannot_pay_for_a_change(runner: ToolRunner) -> None:
    refused = ask(runner, "omar_rossi_1241", "update_reservation_flights", reservation_id="FQ8APE", cabin="economy",
                  flights=[{"flight_number": "HAT056", "date": "2024-05-25"},
                           {"flight_number": "HAT138", "date": "2024-05-25"}], payment_id="certificate_8390038")
    assert refused.status is Status.ERROR and "certificate can pay for a new booking only" in refused.message


def test_bags_are_charged_by_the_allowance_and_cannot_be_removed(runner: ToolRunner) -> None:
    member = "chen_lee_6825"  # gold, economy, 2 passengers: 6 free bags
    wrong = ask(runner, member, "update_reservation_baggages", reservation_id="YAX4DR", total_baggages=7,
                nonfree_baggages=0, payment_id="credit_card_4938634")
    assert wrong.status is Status.ERROR and "nonfree_baggages must be 1" in wrong.message
    done = confirm(runner, member, "update_reservation_baggages", reservation_id="YAX4DR", total_baggages=7,
                   nonfree_baggages=1, payment_id="credit_card_4938634")
    assert done.ok and reservation(runner, "YAX4DR")["payment_history"][-1] == {
        "payment_id": "credit_card_4938634", "amount": 50}
    fewer = ask(runner, member, "update_reservation_baggages", reservation_id="YAX4DR", total_baggages=6,
                nonfree_baggages=1, payment_id="credit_card_4938634")
    assert "checked bags can be added, not removed" in fewer.message


def test_another_members_reservation_reads_as_missing(runner: ToolRunner) -> None:
    theirs = ask(runner, "chen_lee_6825", "get_reservation_details", reservation_id="8C8K4E")
    mine_missing = ask(runner, "chen_lee_6825", "get_reservation_details", reservation_id="ZZZZZ9")
    assert theirs.status is Status.ERROR and theirs.message == "I couldn't find reservation 8C8K4E on your profile."
    assert mine_missing.message == "I couldn't find reservation ZZZZZ9 on your profile."
    other_profile = ask(runner, "chen_lee_6825", "get_user_details", user_id="amelia_davis_8890")
    assert other_profile.status is Status.ERROR


def test_a_goodwill_certificate_of_the_policys_amount_needs_no_supervisor(runner: ToolRunner) -> None:
    right = ask(runner, "ethan_martin_2396", "send_certificate", user_id="ethan_martin_2396", amount=150)
    assert right.status is Status.CONFIRM and right.message == "Send you a travel certificate of $150 for future travel"
    more = confirm(runner, "ethan_martin_2396", "send_certificate", user_id="ethan_martin_2396", amount=500)
    assert more.status is Status.APPROVAL and "(here: $50, $150)" in more.message


def test_a_booking_is_checked_against_the_payment_rules(runner: ToolRunner) -> None:
    booking = dict(user_id="mia_li_3668", origin="JFK", destination="SEA", flight_type="one_way", cabin="economy",
                   flights=[{"flight_number": "HAT136", "date": "2024-05-20"},
                            {"flight_number": "HAT039", "date": "2024-05-20"}],
                   passengers=[{"first_name": "Mia", "last_name": "Li", "dob": "1990-04-05"}],
                   total_baggages=3, nonfree_baggages=0, insurance="no")
    two = ask(runner, "mia_li_3668", "book_reservation", **booking,
              payment_methods=[{"payment_id": "certificate_7504069", "amount": 250},
                               {"payment_id": "certificate_4856383", "amount": 5}])
    assert two.status is Status.ERROR and "at most 1 certificate" in two.message
    short = ask(runner, "mia_li_3668", "book_reservation", **booking,
                payment_methods=[{"payment_id": "certificate_7504069", "amount": 250}])
    assert short.message == "The payments add up to $250.00; the total is $255.00."
    ok = ask(runner, "mia_li_3668", "book_reservation", **booking,
             payment_methods=[{"payment_id": "certificate_7504069", "amount": 250},
                              {"payment_id": "credit_card_4421486", "amount": 5}])
    assert ok.status is Status.CONFIRM
    assert ok.message == ("Book a one way trip JFK→SEA in economy: HAT136 JFK→ATL on 2024-05-20, HAT039 ATL→SEA on "
                          "2024-05-20; for Mia Li (born 1990-04-05); 3 checked bag(s) (0 paid); no travel insurance; "
                          "$250 paid with your travel certificate certificate_7504069 and $5 paid with your credit "
                          "card credit_card_4421486")
    someone_else = ask(runner, "mia_li_3668", "book_reservation", **{**booking, "user_id": "chen_lee_6825"},
                       payment_methods=[{"payment_id": "credit_card_4938634", "amount": 255}])
    assert someone_else.status is Status.ERROR
