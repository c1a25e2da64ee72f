"""Unique keys: what at most one live entity may claim (decided by log order)."""

from __future__ import annotations


def email_key(email: str) -> str:
    """A user's email address (case-insensitive)."""
    return f"user.email:{email.lower()}"


def hardware_key(org_id: str, hardware_id: str) -> str:
    """A hardware id within an org."""
    return f"device.hw:{org_id}:{hardware_id}"


def channel_key(device_id: str, channel: int) -> str:
    """A channel on a device."""
    return f"binding.channel:{device_id}:{channel}"


def api_key_hash_key(digest: str) -> str:
    """The SHA-256 of an API key."""
    return f"api_key.hash:{digest}"


def gateway_token_hash_key(digest: str) -> str:
    """The SHA-256 of a gateway token."""
    return f"gateway_token.hash:{digest}"


def ingest_token_key(token: str) -> str:
    """A watcher's inbox token."""
    return f"watcher.ingest_token:{token}"


def custom_tool_name_key(watcher_id: str, name: str) -> str:
    """A custom tool's name within its watcher."""
    return f"custom_tool.name:{watcher_id}:{name}"


def dashboard_share_key(digest: str) -> str:
    """The SHA-256 of a dashboard's share token."""
    return f"dashboard.share:{digest}"
