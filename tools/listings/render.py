"""The listing system in words: what a guest confirms, and what staff see in Slack."""

from __future__ import annotations

from typing import Any

from tools.listings.models import Reservation


def _money(value: float) -> str:
    return f"${value:,.2f}"


def cancel_preview(args: dict[str, Any], data: dict[str, Any] | None) -> str:
    """Cancel reservation HM…: the refund and the rule it follows."""
    data = data or {}
    refund = data.get("refund")
    if refund is None:
        return f"Cancel reservation {args['reservation_id']}"
    rule = f" ({data['rule']})" if data.get("rule") else ""
    back = f"{_money(refund)} back to the card you paid with{rule}" if refund else f"no refund{rule}"
    return f"Cancel reservation {args['reservation_id']}; {back}"


def dates_preview(args: dict[str, Any], data: dict[str, Any] | None) -> str:
    """Move reservation HM… to new dates: the new total and what is charged or refunded."""
    data = data or {}
    money = (f"{_money(data['charged'])} more is charged" if data.get("charged") else
             f"{_money(data['refund'])} goes back to your card" if data.get("refund") else "the price stays the same")
    total = f", new total {_money(data['total'])}" if "total" in data else ""
    return f"Move reservation {args['reservation_id']} to {args['check_in']} – {args['check_out']}{total}; {money}"


def message_preview(args: dict[str, Any], _data: Any) -> str:
    """Send the host of HM… this message."""
    return f"Send the host of reservation {args['reservation_id']} this message: “{args['message']}”"


def problem_preview(args: dict[str, Any], _data: Any) -> str:
    """Report this problem with HM…."""
    return f"Report this problem with reservation {args['reservation_id']} to our team: “{args['description']}”"


def staff_view(r: Reservation) -> str:
    """A reservation as support staff see it in Slack."""
    return (f"*Reservation {r.id}* — {r.status}, guest `{r.guest_id}`, listing `{r.listing_id}`, {r.check_in} to "
            f"{r.check_out}, {r.guests} guests, total ${r.total:,.2f}")
