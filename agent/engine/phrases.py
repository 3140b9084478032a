"""The replies code writes, in the customer's language.

prompts.py holds each phrase in English; here it is translated, keyed by that English
text as gettext keys by its msgid, so the English constant stays the one place a
phrase is written and one without a translation falls back to it. A translation keeps
the English text's ``{fields}`` (tests/unit/test_language.py checks every one).
"""

from __future__ import annotations

from agent.engine import prompts

TRANSLATIONS: dict[str, dict[str, str]] = {
    "es": {
        prompts.DONE: "Hecho: {what}.",
        prompts.NOT_DONE: "De acuerdo, no he cambiado nada. ¿Puedo ayudarte con algo más?",
        prompts.NEEDS_APPROVAL: ("Esto necesita una revisión rápida de una persona de nuestro equipo, que te "
                                 "responderá aquí en breve. Todavía no se ha cambiado nada."),
        prompts.FAILED: "Lo siento, no ha funcionado: {error} ¿Quieres que te ponga en contacto con una persona "
                        "de nuestro equipo?",
        prompts.CLARIFY: ("Perdona, lo he entendido mal. ¿Puedes decirme exactamente qué quieres: el pedido o la "
                          "reserva, los artículos y las opciones que quieres?"),
        prompts.IDENTIFIED: "Gracias, he encontrado tu cuenta. ¿En qué puedo ayudarte?",
        prompts.HELP_CENTER_DOWN: ("Lo siento, ahora mismo no puedo acceder a nuestro centro de ayuda, así que no "
                                   "puedo consultarlo. Sí puedo ayudarte con tus pedidos y estancias, o ponerte en "
                                   "contacto con una persona de nuestro equipo: solo pídelo."),
        prompts.HANDOFF: ("Te paso con una persona de nuestro equipo de soporte; te responderá aquí en breve. "
                          "Mientras tanto, puedes seguir escribiendo."),
        prompts.REFUSE: ("No puedo hacer eso. Solo puedo ayudarte con tus propios pedidos, estancias y cuenta, y "
                         "siempre dentro de nuestras políticas. ¿Hay algo de tu cuenta en lo que pueda ayudarte?"),
        prompts.APOLOGY: ("Lo siento, ahora mismo tengo problemas para responder. Inténtalo de nuevo en un momento "
                          "o pide hablar con una persona."),
        prompts.CONFIRM: "Confírmalo, por favor: {preview}. Responde sí para continuar o no para cancelar.",
        prompts.GREETING: "¡Hola! ¿En qué puedo ayudarte hoy?",
        prompts.CLOSED: (" Si los fragmentos dicen que no es posible o que no está permitido, di que no claramente y "
                         "di lo que sí permiten."),
        prompts.THANKS: "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
        prompts.GOODBYE: "Gracias por escribirnos. ¡Adiós y que tengas un buen día!",
        prompts.NOTHING_TO_CONFIRM: "Eso ya tuvo respuesta, así que no se ha cambiado nada más.",
        prompts.BLOCKED: ("Lo siento, no puedo procesar ese mensaje. Escribe una pregunta más corta (como máximo "
                          "{limit} caracteres)."),
    },
    "fr": {
        prompts.DONE: "C'est fait : {what}.",
        prompts.NOT_DONE: "D'accord, je n'ai rien modifié. Puis-je vous aider pour autre chose ?",
        prompts.NEEDS_APPROVAL: ("Cela doit être vérifié rapidement par un membre de notre équipe, qui vous "
                                 "répondra ici sous peu. Rien n'a encore été modifié."),
        prompts.FAILED: "Désolé, cela n'a pas fonctionné : {error} Voulez-vous que je vous mette en relation avec "
                        "une personne de notre équipe ?",
        prompts.CLARIFY: ("Pardon, j'ai mal compris. Pouvez-vous me dire exactement ce que vous souhaitez : la "
                          "commande ou la réservation, les articles et les options voulues ?"),
        prompts.IDENTIFIED: "Merci, j'ai trouvé votre compte. Comment puis-je vous aider ?",
        prompts.HELP_CENTER_DOWN: ("Désolé, je n'arrive pas à joindre notre centre d'aide pour le moment, je ne "
                                   "peux donc pas le consulter. Je peux quand même vous aider pour vos commandes et "
                                   "vos séjours, ou vous mettre en relation avec une personne de notre équipe : "
                                   "demandez-le simplement."),
        prompts.HANDOFF: ("Je vous transfère à un membre de notre équipe d'assistance ; il vous répondra ici sous "
                          "peu. Vous pouvez continuer à écrire en attendant."),
        prompts.REFUSE: ("Je ne peux pas faire cela. Je peux seulement vous aider pour vos propres commandes, "
                         "séjours et compte, et toujours dans le respect de nos règles. Puis-je vous aider pour "
                         "quelque chose concernant votre compte ?"),
        prompts.APOLOGY: ("Désolé, j'ai du mal à répondre pour le moment. Réessayez dans un instant ou demandez à "
                          "parler à une personne."),
        prompts.CONFIRM: "Merci de confirmer : {preview}. Répondez oui pour continuer ou non pour annuler.",
        prompts.GREETING: "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
        prompts.CLOSED: (" Si les extraits disent que ce n'est pas possible ou pas permis, dites clairement non et "
                         "dites ce qu'ils permettent à la place."),
        prompts.THANKS: "Je vous en prie ! Puis-je vous aider pour autre chose ?",
        prompts.GOODBYE: "Merci de nous avoir contactés. Au revoir et bonne journée !",
        prompts.NOTHING_TO_CONFIRM: "Cela a déjà reçu une réponse, rien d'autre n'a donc été modifié.",
        prompts.BLOCKED: ("Désolé, je ne peux pas traiter ce message. Écrivez une question plus courte ({limit} "
                          "caractères au maximum)."),
    },
    "de": {
        prompts.DONE: "Erledigt: {what}.",
        prompts.NOT_DONE: "In Ordnung, ich habe nichts geändert. Kann ich sonst noch helfen?",
        prompts.NEEDS_APPROVAL: ("Das muss kurz von jemandem aus unserem Team geprüft werden, der Ihnen hier bald "
                                 "antwortet. Es wurde noch nichts geändert."),
        prompts.FAILED: "Das hat leider nicht geklappt: {error} Soll ich Sie mit jemandem aus unserem Team "
                        "verbinden?",
        prompts.CLARIFY: ("Entschuldigung, das habe ich falsch verstanden. Können Sie mir genau sagen, was Sie "
                          "möchten: die Bestellung oder Buchung, die Artikel und die gewünschten Optionen?"),
        prompts.IDENTIFIED: "Danke, ich habe Ihr Konto gefunden. Wie kann ich Ihnen helfen?",
        prompts.HELP_CENTER_DOWN: ("Ich kann unser Hilfe-Center gerade leider nicht erreichen und das deshalb "
                                   "nicht nachschlagen. Bei Ihren Bestellungen und Aufenthalten helfe ich trotzdem, "
                                   "oder ich verbinde Sie mit jemandem aus unserem Team: fragen Sie einfach."),
        prompts.HANDOFF: ("Ich übergebe Sie an jemanden aus unserem Support-Team, der Ihnen hier bald antwortet. "
                          "Sie können in der Zwischenzeit weiterschreiben."),
        prompts.REFUSE: ("Das kann ich nicht tun. Ich kann Ihnen nur mit Ihren eigenen Bestellungen, Aufenthalten "
                         "und Ihrem Konto helfen, und nur im Rahmen unserer Richtlinien. Kann ich Ihnen bei etwas "
                         "zu Ihrem Konto helfen?"),
        prompts.APOLOGY: ("Entschuldigung, ich kann gerade nicht antworten. Versuchen Sie es gleich noch einmal "
                          "oder bitten Sie darum, mit einer Person zu sprechen."),
        prompts.CONFIRM: "Bitte bestätigen Sie: {preview}. Antworten Sie mit ja, um fortzufahren, oder mit nein, "
                         "um abzubrechen.",
        prompts.GREETING: "Hallo! Wie kann ich Ihnen heute helfen?",
        prompts.CLOSED: (" Wenn die Auszüge sagen, dass es nicht möglich oder nicht erlaubt ist, sagen Sie klar Nein "
                         "und sagen Sie, was sie stattdessen erlauben."),
        prompts.THANKS: "Gern geschehen! Kann ich Ihnen sonst noch helfen?",
        prompts.GOODBYE: "Danke für Ihre Nachricht. Auf Wiedersehen und einen schönen Tag!",
        prompts.NOTHING_TO_CONFIRM: "Das wurde schon beantwortet, daher wurde nichts weiter geändert.",
        prompts.BLOCKED: ("Entschuldigung, diese Nachricht kann ich nicht verarbeiten. Bitte schreiben Sie eine "
                          "kürzere Frage (höchstens {limit} Zeichen)."),
    },
}


def phrase(english: str, language: str | None) -> str:
    """``english`` (a phrase of prompts.py) in ``language`` (an ISO code), or as it is without a translation."""
    return TRANSLATIONS.get(language or "", {}).get(english, english)
