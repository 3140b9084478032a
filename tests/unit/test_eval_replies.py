"""How a scenario reads a reply: its language, and whether a yes/no answer says no."""

from __future__ import annotations

import pytest

from agent.evals.replies import first_sentence, in_language, says_no


@pytest.mark.parametrize(("reply", "language"), [
    ("No, a delivered order can't be cancelled; you can return it instead.", "en"),
    ("Unfortunately we only ship within the USA.", "en"),
    ("I can't share other customers' data.", "en"),
    ("No. Un pedido entregado no se puede cancelar, pero puedes devolverlo.", "es"),
    ("Solo enviamos a direcciones de Estados Unidos.", "es"),
    ("Non, une commande livrée ne peut pas être annulée.", "fr"),
    ("Nous n'expédions qu'aux États-Unis.", "fr"),
    ("Nein, eine zugestellte Bestellung kann nicht storniert werden.", "de"),
    ("Wir liefern leider nur in die USA.", "de"),
])
def test_an_answer_that_says_no(reply: str, language: str) -> None:
    assert says_no(reply, language)


@pytest.mark.parametrize(("reply", "language"), [
    ("Yes, you can cancel an order that has already been delivered.", "en"),
    ("Yes, but only within 30 days.", "en"),  # a yes, however hedged, is not a no
    ("Sí, puedes cancelar tu pedido entregado. No dudes en escribirnos.", "es"),
    ("Oui, vous pouvez annuler votre commande.", "fr"),
    ("Ja, Sie können die Bestellung stornieren.", "de"),
    ("You can cancel it from your account page. It is not hard.", "en"),  # the no comes too late
])
def test_an_answer_that_does_not(reply: str, language: str) -> None:
    assert not says_no(reply, language)


def test_the_first_sentence_ends_at_the_first_full_stop_or_line() -> None:
    assert first_sentence("No. It was delivered.") == "No."
    assert first_sentence("Shipping is free\n- 3 to 5 days") == "Shipping is free"
    assert first_sentence("") == ""


def test_a_reply_is_read_in_its_language() -> None:
    assert in_language("El envío estándar es gratuito y tarda de 3 a 5 días hábiles.", "es")
    assert not in_language("Standard shipping is free and takes 3 to 5 business days.", "es")
    assert in_language("¡Hecho!", "de")  # too short to tell: not held against it
