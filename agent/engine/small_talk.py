"""Greetings, thanks and goodbyes, told and answered in code: a message that asks nothing needs no model call.

A message is small talk when every word of it is a greeting, thanks or goodbye word, or one of the few words
that go with them ("thank you so much", "buenos días", "vielen Dank", "have a nice day"), in the languages the
agent speaks. Anything else ("thanks, but where is my refund?") goes to the router as before. Through the
router, "Hello!" cost a decide and a respond call: about 10 s on 2 cores.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class SmallTalk(StrEnum):
    """What kind of message it is; the order is the precedence ("thanks, bye" is a goodbye)."""

    GOODBYE = "goodbye"
    THANKS = "thanks"
    GREETING = "greeting"


# Each kind's words (accents folded), by language: the language says which the reply is in when the message
# is too short for the language to be told otherwise ("hola").
_WORDS: dict[SmallTalk, dict[str, str]] = {
    SmallTalk.GREETING: {
        "en": "hi hello hey hiya howdy morning afternoon evening",
        "es": "hola buenas dias tardes noches",
        "fr": "bonjour bonsoir salut coucou",
        "de": "hallo moin servus morgen abend tag",
        "it": "ciao buongiorno buonasera salve",
        "pt": "ola oi dia tarde noite",
        "nl": "hoi goedemorgen goedemiddag goedenavond goedendag dag",
    },
    SmallTalk.THANKS: {
        "en": "thanks thank thx ty cheers",
        "es": "gracias",
        "fr": "merci",
        "de": "danke dankeschon dank",
        "it": "grazie",
        "pt": "obrigado obrigada",
        "nl": "bedankt",
    },
    SmallTalk.GOODBYE: {
        "en": "bye goodbye byebye cya",
        "es": "adios chao luego",
        "fr": "revoir",
        "de": "tschuss wiedersehen",
        "it": "arrivederci",
        "pt": "tchau",
        "nl": "doei",
    },
}
# Words that only go with the ones above: alone they are no small talk ("good", "ok" go to the router).
_WITH = frozenset("""
good ok okay great perfect nice cool awesome so very much a lot you all there again everyone team for the
your help and have day bye-bye many
buenos buen muchas mil muy vale perfecto genial hasta pronto
au beaucoup bien tres parfait super bonne journee
guten gute vielen schon schonen auf und
molte mille buona giornata
muito bom boa
heel veel fijne goede
""".split())
# "How are you?" is a greeting too, asked as a question: whole phrases (folded), each with its language.
_HOW_ARE_YOU = {"en": r"how are you( doing| today)?|how s it going|how are things",
                "es": r"que tal|como estas|como esta usted", "fr": r"ca va|comment allez vous|comment vas tu",
                "de": r"wie geht s|wie geht es (dir|ihnen)", "it": r"come stai|come va", "pt": r"tudo bem|como vai",
                "nl": r"hoe gaat het"}
_KINDS = {word: (kind, language) for kind, languages in _WORDS.items()
          for language, words in languages.items() for word in words.split()}
_WORD = re.compile(r"[^\W\d_]+")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def small_talk(text: str) -> tuple[SmallTalk, str] | None:
    """The kind of small talk ``text`` is and the language of its first such word, or None when it says more."""
    words = _WORD.findall(_fold(text))
    joined = " ".join(words)
    for language, phrase in _HOW_ARE_YOU.items():  # at the end, after nothing but small talk
        asked = re.search(rf"(?:^| )(?:{phrase})$", joined)
        if asked and all(w in _KINDS or w in _WITH for w in joined[:asked.start()].split()):
            return SmallTalk.GREETING, language
    if not words or len(words) > 8 or any(w not in _KINDS and w not in _WITH for w in words) or \
            re.search(r"\d|\?", text):  # a number or a question asks for something
        return None
    found = [_KINDS[w] for w in words if w in _KINDS]
    if not found:
        return None
    kind = min((k for k, _ in found), key=list(SmallTalk).index)
    return kind, found[0][1]
