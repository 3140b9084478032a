"""Which questions ask for a yes or a no, in the languages agent/engine/language.py names.

Told to "say no plainly" when its excerpts do not allow something, the 1.5B also began
open questions ("¿Qué pasa si cancelo…?") with "No" and cut answers to a bare "No.";
so the instruction goes only with a yes-or-no question, recognised here in code.
"""

from __future__ import annotations

import re

# Words that make a question ask for something other than yes or no, per language: anywhere in it, or (words
# that are also relative pronouns: "un pedido que ya fue entregado") only as its first word.
_OPEN_ANYWHERE = {
    "en": r"how|what|when|where|which|who|whom|whose|why",
    "es": r"cómo|qué|cuándo|dónde|cuál(?:es)?|quién(?:es)?|cuánt[oa]s?|adónde",
    "fr": r"comment|quoi|pourquoi|combien|quel(?:le)?s?",
    "de": r"wie|wann|wo|wohin|woher|welche[rsmn]?|warum|wieso|weshalb|wieviel",
}
_OPEN_FIRST = {"en": r"", "es": r"que|como|cuando|donde|cual(?:es)?|quien(?:es)?|cuant[oa]s?|adonde",
               "fr": r"que|qui|quand|o[uù]", "de": r"was|wer|wen|wem"}


def is_yes_no(question: str, language: str | None) -> bool:
    """Whether ``question`` asks for a yes or a no (when in doubt it is not one: the instruction it brings would
    do more harm on an open question than its absence on a closed one)."""
    if language not in _OPEN_ANYWHERE or "?" not in question:
        return False
    text = re.sub(r"est-ce qu(?:e\b|')", " ", question.lower()).replace("qu'", "que ")
    asked = text.rsplit("¿", 1)[-1].strip(" ¡")  # Spanish marks where the question begins
    return not (re.search(rf"(?<!\w)(?:{_OPEN_ANYWHERE[language]})(?!\w)", text) or
                (_OPEN_FIRST[language] and re.match(rf"(?:{_OPEN_FIRST[language]})(?!\w)", asked)))
