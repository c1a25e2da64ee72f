from __future__ import annotations

from infra.topics import TOPICS
from schemas import topics
from schemas.catalogue import CATALOGUE


def _names() -> set[str]:
    return {v for k, v in vars(topics).items() if k.endswith("_TOPIC")}


def test_published_topic_names_do_not_change() -> None:
    # Consumers outside Vigil subscribe by these names: renaming one is a new topic.
    assert _names() == {
        "vigil.entities.v1",
        "vigil.measurements.v1",
        "vigil.derived.v1",
        "vigil.prism-inputs.v1",
        "vigil.alerts.v1",
        "vigil.alert-commands.v1",
        "vigil.mail.v1",
        "vigil.threads.v1",
        "vigil.actions.v1",
        "vigil.memories.v1",
        "vigil.watcher-triggers.v1",
        "vigil.argus-messages.v1",
        "vigil.investigations.v1",
    }


def test_every_named_topic_is_created() -> None:
    assert {spec.name for spec in TOPICS} == _names()


def test_every_schema_belongs_to_a_named_topic() -> None:
    assert {entry.topic for entry in CATALOGUE} <= _names()
