"""The pure core of Vigil: entity states, commands, decisions and folds.

Nothing here imports Kafka, Faust, Falcon, ClickHouse or any other I/O library, nor
any other Vigil package: every layer above builds on it.
"""


class DomainError(Exception):
    """Base of every error the domain raises."""
