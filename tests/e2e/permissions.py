"""README's RabbitMQ permissions, read from README itself, so that README and the tests cannot drift apart."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from e2e.support import BrokerUser, rabbitmqctl

README = Path(__file__).resolve().parents[2] / "README.md"
# The users README names for each role.
ROLES = {"upstream": "vnaccs.gateway", "supervisor": "sup.01b1", "worker": "assigner.worker"}
PERMISSIONS = re.compile(r"^rabbitmqctl set_permissions -p customs (\S+) '([^']*)' '([^']*)' '([^']*)'$", re.M)
TOPIC_PERMISSIONS = re.compile(r"^rabbitmqctl set_topic_permissions -p customs (\S+) (\S+) '([^']*)' '([^']*)'$", re.M)


@dataclass(frozen=True)
class Grants:
    """What README grants one user: configure, write, read; and topic permissions by exchange (write, read)."""

    configure: str
    write: str
    read: str
    topics: dict[str, tuple[str, str]] = field(default_factory=dict)


def readme_grants() -> dict[str, Grants]:
    """README's permission lines, by role."""
    text = README.read_text(encoding="utf-8")
    by_user = {user: Grants(c, w, r) for user, c, w, r in PERMISSIONS.findall(text)}
    for user, exchange, write, read in TOPIC_PERMISSIONS.findall(text):
        by_user[user].topics[exchange] = (write, read)
    assert set(by_user) == set(ROLES.values()), f"README's permission lines name {sorted(by_user)}"
    return {role: by_user[user] for role, user in ROLES.items()}


def add_role_user(vhost: str, role: str, stem: str | None = None) -> BrokerUser:
    """A new RabbitMQ user with exactly README's permissions for `role` in `vhost` (delete it when done)."""
    grants = readme_grants()[role]
    user = BrokerUser(f"{role}-{stem or uuid.uuid4().hex[:8]}", uuid.uuid4().hex)
    rabbitmqctl("add_user", user.name, user.password)
    rabbitmqctl("set_permissions", "-p", vhost, user.name, grants.configure, grants.write, grants.read)
    for exchange, (write, read) in grants.topics.items():
        rabbitmqctl("set_topic_permissions", "-p", vhost, user.name, exchange, write, read)
    return user
