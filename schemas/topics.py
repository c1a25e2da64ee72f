"""Every topic name Vigil uses, spelled once (without the configured prefix).

Partitions, configs and creation of each topic are in :mod:`infra.topics`; the
schemas of their records are in :mod:`schemas.catalogue`.
"""

from __future__ import annotations

ENTITIES_TOPIC = "vigil.entities.v1"
MEASUREMENTS_TOPIC = "vigil.measurements.v1"
DERIVED_TOPIC = "vigil.derived.v1"
PRISM_INPUTS_TOPIC = "vigil.prism-inputs.v1"
ALERTS_TOPIC = "vigil.alerts.v1"
ALERT_COMMANDS_TOPIC = "vigil.alert-commands.v1"
MAIL_TOPIC = "vigil.mail.v1"
THREADS_TOPIC = "vigil.threads.v1"
ACTIONS_TOPIC = "vigil.actions.v1"
MEMORIES_TOPIC = "vigil.memories.v1"
WATCHER_TRIGGERS_TOPIC = "vigil.watcher-triggers.v1"
ARGUS_MESSAGES_TOPIC = "vigil.argus-messages.v1"
INVESTIGATIONS_TOPIC = "vigil.investigations.v1"
