"""Assemble the agents: the watcher runtime, Argus with its tools, NLQ, the
investigator, each with its outgoing clients and limits from the settings."""

from __future__ import annotations

from typing import Any

from agents.argus import Argus, ArgusConfig
from agents.argus_tools import ArgusToolBox
from agents.investigator import Investigator, InvestigatorConfig
from agents.llm import register_prices
from agents.loop import Limits
from agents.mailer import Mailer
from agents.nlq.service import NlqService
from agents.outbound import OutboundPolicy
from agents.watcher_runtime import RuntimeConfig, WatcherRuntime
from agents.watcher_tools import ToolBox
from domain.clock import Clock, IdGenerator
from domain.entity_state import EntityState
from infra.clickhouse import AsyncStore
from infra.settings import Settings, SettingsError
from projections.entitylog import EntityLog
from projections.fact_log import FactLog


def parse_prices(text: str) -> dict[str, tuple[float, float]]:
    """``model=input/output,…`` USD per token, from ``VIGIL_LLM_PRICES``."""
    prices = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            model, pair = item.rsplit("=", 1)
            given, made = pair.split("/")
            prices[model.strip()] = (float(given), float(made))
        except ValueError as ex:
            raise SettingsError(f"VIGIL_LLM_PRICES: cannot read {item!r}") from ex
    return prices


def argus_assistant(
    settings: Settings,
    state: EntityState,
    writer: EntityLog,
    store: AsyncStore,
    facts: FactLog,
    clock: Clock,
    new_id: IdGenerator,
    nlq: NlqService,
) -> Argus:
    """Argus with its tools (its data questions answered by NLQ), on the
    configured model."""

    async def query_data(org_id: str, question: str) -> dict[str, Any]:
        return (await nlq.ask(org_id, question)).as_json()

    limits = Limits(
        settings.agent_max_steps, settings.agent_max_tokens, settings.agent_timeout_s
    )
    investigator = Investigator(
        store,
        facts,
        InvestigatorConfig(settings.llm_model, settings.llm_fallback, limits),
        clock,
    )
    box = ArgusToolBox(
        state, writer, store, new_id, query_data=query_data, investigator=investigator
    )
    config = ArgusConfig(settings.llm_model, settings.llm_fallback, limits)
    return Argus(box, facts, config, clock)


def watcher_runtime(
    settings: Settings,
    state: EntityState,
    store: AsyncStore,
    facts: FactLog,
    clock: Clock,
    new_id: IdGenerator,
) -> WatcherRuntime:
    """The watchers' agent runtime with its tools' outgoing clients."""
    register_prices(parse_prices(settings.llm_prices))
    allow = frozenset(h.strip() for h in settings.webhook_allow_hosts.split(",") if h)
    policy = OutboundPolicy(allow_hosts=allow, timeout_s=settings.webhook_timeout_s)
    box = ToolBox(
        state, facts, policy, Mailer(settings.smtp_relay, settings.outbox), clock
    )
    limits = Limits(
        settings.agent_max_steps, settings.agent_max_tokens, settings.agent_timeout_s
    )
    config = RuntimeConfig(settings.llm_fallback, limits, settings.mail_domain)
    return WatcherRuntime(box, store, config, new_id)
