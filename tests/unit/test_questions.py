"""Which questions ask for a yes or a no, in each language the help center speaks."""

from __future__ import annotations

import pytest

from agent.engine.questions import is_yes_no


@pytest.mark.parametrize(("question", "language"), [
    ("Can I cancel an order that has already been delivered?", "en"),
    ("If I leave my stay early, are the unused nights refunded?", "en"),
    ("¿Puedo cancelar un pedido que ya fue entregado?", "es"),  # "que" here is a relative pronoun
    ("¿Aceptan PayPal?", "es"),
    ("Est-ce que je peux annuler une commande déjà livrée ?", "fr"),
    ("Livrez-vous en France ?", "fr"),
    ("Kann ich ein Hemd gegen Schuhe umtauschen?", "de"),
])
def test_a_yes_or_no_question(question: str, language: str) -> None:
    assert is_yes_no(question, language)


@pytest.mark.parametrize(("question", "language"), [
    ("How long does standard shipping take?", "en"),
    ("With a moderate policy, how much do I get back?", "en"),
    ("Can I return what I bought?", "en"),  # in doubt: not one
    ("¿Qué pasa si cancelo una reserva con política flexible?", "es"),
    ("Con política moderada, ¿cuánto me devuelven?", "es"),
    ("como cancelo mi pedido?", "es"),  # accents dropped
    ("Que faire si mon colis est perdu ?", "fr"),
    ("Quand est-ce que je reçois le code ?", "fr"),
    ("Was kostet der Expressversand?", "de"),
    ("Ab wie viel Uhr ist die Anreise möglich?", "de"),
    ("I want to cancel my order.", "en"),  # not a question
    ("Posso cancellare il mio ordine?", "it"),  # a language it has no words for
])
def test_not_a_yes_or_no_question(question: str, language: str) -> None:
    assert not is_yes_no(question, language)
