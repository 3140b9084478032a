"""The brands one deployment serves: per widget site key, its name, tone, languages, policy, help center, tools.

Read once at start-up (a policy file that cannot be read stops the server with the setting to fix), then
looked up per turn by the conversation's site key, which the channel sets and the model never sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.engine import prompts
from agent.engine.language import code_of
from agent.settings import DEFAULT_SITE, Settings, SiteSettings
from knowledge.retrieve import Retriever
from tools.api import Tool


class SiteError(RuntimeError):
    """A site's settings cannot be used; the message names the setting."""


@dataclass(frozen=True)
class Site:
    """What the graph needs of one brand."""

    key: str | None
    brand: str  # "Concierge, the support assistant of …": who is speaking, in the prompts
    tone: str
    languages: tuple[str, ...]
    policy: str  # the business policy in markdown; "" when the site has none
    tools: frozenset[str] | None
    retriever: Retriever

    def offers(self, tool: Tool) -> bool:
        """Whether this site's allow-list lets ``tool`` be offered."""
        return self.tools is None or tool.name in self.tools

    @property
    def language_codes(self) -> tuple[str, ...]:
        """The ISO codes of its languages that :mod:`agent.engine.language` can tell apart; () for any."""
        return tuple(code for code in map(code_of, self.languages) if code)

    def policy_block(self) -> str:
        """The business policy as the prompts end with it ("" without one)."""
        return prompts.POLICY.format(policy=self.policy) if self.policy else ""

    def answer_prompt(self) -> str:
        """The system prompt of every customer-facing answer, in this brand's voice and languages."""
        languages = prompts.LANGUAGES.format(languages=", ".join(self.languages), first=self.languages[0]) \
            if self.languages else ""
        return prompts.RESPOND.format(brand=self.brand, tone=self.tone, languages=languages,
                                      policy=self.policy_block())


class Sites:
    """Every configured site, and the default brand for conversations without a site key."""

    def __init__(self, settings: Settings, retriever: Retriever) -> None:
        self._sites = {key: _site(key, settings.site(key) or SiteSettings(), retriever) for key in settings.web.sites}
        # The site keyed "default" when configured (settings.site(None) says which), else the built-in brand.
        self._default = self._sites.get(DEFAULT_SITE) or _site(None, SiteSettings(), retriever)

    def __call__(self, key: str | None) -> Site:
        """The site ``key`` names; the default brand for None or a key no longer configured."""
        return self._sites.get(key, self._default) if key is not None else self._default


def _site(key: str | None, s: SiteSettings, retriever: Retriever) -> Site:
    policy = ""
    if s.policy_file is not None:
        try:
            policy = s.policy_file.read_text().strip()
        except OSError as exc:
            raise SiteError(f"Site {key!r}: cannot read its policy_file {s.policy_file} ({exc.strerror}); fix "
                            "the path in CONCIERGE_WEB__SITES.") from None
    own = retriever if s.collection in (None, retriever.store.collection) else retriever.on(s.collection)
    return Site(key=key, brand=f"{s.name}, {s.description}", tone=s.tone, languages=tuple(s.languages),
                policy=policy, tools=frozenset(s.tools) if s.tools is not None else None, retriever=own)
