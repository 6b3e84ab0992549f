"""Who may sign in: an officer on a unit's roster (to see their own work) or a supervisor of a unit, proved by
the broker (RabbitMQ checks their password) or by their command key (the embedded broker). No password store
of the console's own.

The rosters are read first: an officer id that no roster names is refused without asking the broker, so the
console cannot be used to try the RabbitMQ passwords of other accounts. Every refusal reads the same to the
user (REFUSED, in their language); the reason is for the log only.
"""

from __future__ import annotations

import hmac

from kombu.connection import Connection

from assigner.bootstrap import Runtime
from assigner.broker.connection import BrokerRefused, BrokerUnreachable, broker_nodes, connect, is_embedded, reach
from assigner.console.language import N_
from assigner.domain.errors import AssignerError
from assigner.services.roles import Roles, roles_of
from assigner.settings import Settings

# Translated where it is shown (the reader's language).
REFUSED = N_(
    "sign-in refused: check your officer id and password (or command key); only an officer on a unit's roster or "
    "a supervisor of a unit may sign in"
)


class SignInRefused(AssignerError):
    """The officer id and secret sign nobody in; the message is the reason, for the log (the user sees REFUSED)."""


def sign_in(runtime: Runtime, officer_id: str, secret: str) -> tuple[Roles, str | None]:
    """`officer_id`'s roles (the units whose roster lists them, those they supervise) and the broker URL their
    commands go out on (None on the embedded broker), once a roster names them and the secret proves who they
    are; SignInRefused otherwise."""
    if not officer_id or not secret:
        raise SignInRefused("officer id or secret left empty")
    roles = roles_of(runtime.unit_of_work(), officer_id)
    if roles.none:
        raise SignInRefused("on no roster and supervises no unit (not asked of the broker)")
    settings = runtime.settings
    if is_embedded(settings):
        key = settings.supervisor_keys().get(officer_id)
        if key is None or not hmac.compare_digest(key.encode(), secret.encode()):
            raise SignInRefused("no command key, or a wrong one")
        return roles, None
    return roles, broker_login(settings, officer_id, secret)


def broker_login(settings: Settings, officer_id: str, secret: str) -> str:
    """The broker URL of `officer_id`'s own login, once RabbitMQ has accepted it; SignInRefused otherwise."""
    url = ";".join(  # each node of the cluster, with the officer's own login
        str(Connection(node).clone(userid=officer_id, password=secret).as_uri(include_password=True))
        for node in broker_nodes(settings)
    )
    try:
        with connect(settings.model_copy(update={"broker_url": url})) as connection:
            reach(connection, settings)
    except BrokerRefused as error:
        raise SignInRefused("the broker refused the user or password") from error
    except BrokerUnreachable as error:
        raise SignInRefused(f"the broker could not be reached to check the password: {error}") from error
    return url
