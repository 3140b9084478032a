/* The chat's own words, per language (ISO 639-1). The chat starts in the language the page asks for (the
 * loader's data-lang, the host page's <html lang>, else the browser's) and follows the customer's once the
 * server has told it apart (each reply names it). A language missing here falls back to English. */
window.CONCIERGE_STRINGS = {
  en: {
    person: "Talk to a person", askPerson: "I'd like to talk to a person, please.", close: "Close the chat",
    conversation: "Conversation", typing: "The assistant is typing…", yourMessage: "Your message",
    placeholder: "Type your message…", send: "Send", sendLabel: "Send the message", sources: "Sources:",
    confirmGroup: "Confirm or cancel this action", confirm: "Confirm", cancel: "Cancel",
    waiting: "Waiting for a person from our team… You can keep writing.", back: "You're back with the assistant.",
    closed: "The conversation was closed.", joined: "{agent} from our team joined the chat.", aPerson: "A person",
    team: "Support team", signedInAs: "Signed in as {name}", signedIn: "Signed in",
    expired: "Your sign-in has expired. Reload the page to sign in again; until then I can answer general questions.",
    ended: "Your earlier conversation ended after a while without activity, so this is a new one.",
    wrong: "Something went wrong ({status}).",
  },
  es: {
    person: "Hablar con una persona", askPerson: "Me gustaría hablar con una persona, por favor.",
    close: "Cerrar el chat", conversation: "Conversación", typing: "El asistente está escribiendo…",
    yourMessage: "Tu mensaje", placeholder: "Escribe tu mensaje…", send: "Enviar", sendLabel: "Enviar el mensaje",
    sources: "Fuentes:", confirmGroup: "Confirma o cancela esta acción", confirm: "Confirmar", cancel: "Cancelar",
    waiting: "Esperando a una persona de nuestro equipo… Puedes seguir escribiendo.",
    back: "Vuelves a hablar con el asistente.", closed: "La conversación se ha cerrado.",
    joined: "{agent}, de nuestro equipo, se ha unido al chat.", aPerson: "Una persona", team: "Equipo de soporte",
    signedInAs: "Sesión iniciada como {name}", signedIn: "Sesión iniciada",
    expired: "Tu sesión ha caducado. Recarga la página para volver a iniciarla; mientras tanto puedo responder "
      + "preguntas generales.",
    ended: "Tu conversación anterior terminó tras un tiempo sin actividad, así que esta es una nueva.",
    wrong: "Algo ha salido mal ({status}).",
  },
  fr: {
    person: "Parler à une personne", askPerson: "Je voudrais parler à une personne, s'il vous plaît.",
    close: "Fermer le chat", conversation: "Conversation", typing: "L'assistant écrit…", yourMessage: "Votre message",
    placeholder: "Écrivez votre message…", send: "Envoyer", sendLabel: "Envoyer le message", sources: "Sources :",
    confirmGroup: "Confirmer ou annuler cette action", confirm: "Confirmer", cancel: "Annuler",
    waiting: "En attente d'une personne de notre équipe… Vous pouvez continuer à écrire.",
    back: "Vous êtes de nouveau avec l'assistant.", closed: "La conversation a été fermée.",
    joined: "{agent}, de notre équipe, a rejoint le chat.", aPerson: "Une personne", team: "Équipe d'assistance",
    signedInAs: "Connecté en tant que {name}", signedIn: "Connecté",
    expired: "Votre connexion a expiré. Rechargez la page pour vous reconnecter ; d'ici là, je peux répondre aux "
      + "questions générales.",
    ended: "Votre conversation précédente s'est terminée après un moment d'inactivité ; en voici une nouvelle.",
    wrong: "Une erreur s'est produite ({status}).",
  },
  de: {
    person: "Mit einer Person sprechen", askPerson: "Ich möchte bitte mit einer Person sprechen.",
    close: "Chat schließen", conversation: "Unterhaltung", typing: "Der Assistent schreibt…",
    yourMessage: "Ihre Nachricht", placeholder: "Nachricht eingeben…", send: "Senden",
    sendLabel: "Nachricht senden", sources: "Quellen:", confirmGroup: "Diese Aktion bestätigen oder abbrechen",
    confirm: "Bestätigen", cancel: "Abbrechen",
    waiting: "Warten auf eine Person aus unserem Team… Sie können weiterschreiben.",
    back: "Sie sind wieder beim Assistenten.", closed: "Die Unterhaltung wurde beendet.",
    joined: "{agent} aus unserem Team ist dem Chat beigetreten.", aPerson: "Eine Person", team: "Support-Team",
    signedInAs: "Angemeldet als {name}", signedIn: "Angemeldet",
    expired: "Ihre Anmeldung ist abgelaufen. Laden Sie die Seite neu, um sich wieder anzumelden; bis dahin "
      + "beantworte ich allgemeine Fragen.",
    ended: "Ihre frühere Unterhaltung wurde nach einer Weile ohne Aktivität beendet, dies ist eine neue.",
    wrong: "Etwas ist schiefgelaufen ({status}).",
  },
};
