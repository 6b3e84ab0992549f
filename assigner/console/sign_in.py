"""Who may sign in: a supervisor, proved by the broker (RabbitMQ checks their password) or by their command
key (the embedded broker). No password store of the console's own."""

from __future__ import annotations

import hmac

from kombu.connection import Connection

from assigner.bootstrap import Runtime
from assigner.broker.connection import BrokerRefused, BrokerUnreachable, connect, is_embedded, reach
from assigner.domain.errors import AssignerError
from assigner.domain.model import Unit
from assigner.services.supervision import supervised_units


class SignInRefused(AssignerError):
    """The officer id and secret do not sign anybody in (said to the user without telling which is wrong)."""


def sign_in(runtime: Runtime, officer_id: str, secret: str) -> tuple[list[Unit], str | None]:
    """The units `officer_id` supervises and the broker URL their commands go out on (None on the embedded
    broker), once the secret proves who they are; SignInRefused otherwise."""
    settings = runtime.settings
    if not officer_id or not secret:
        raise SignInRefused("give your officer id and your password (or command key)")
    broker_url = None
    if is_embedded(settings):
        key = settings.supervisor_keys().get(officer_id)
        if key is None or not hmac.compare_digest(key.encode(), secret.encode()):
            raise SignInRefused("unknown officer id or wrong command key")
    else:
        broker_url = str(Connection(settings.broker_url).clone(userid=officer_id, password=secret)
                         .as_uri(include_password=True))
        try:
            with connect(settings.model_copy(update={"broker_url": broker_url})) as connection:
                reach(connection, settings)
        except BrokerRefused as error:
            raise SignInRefused("unknown officer id or wrong password") from error
        except BrokerUnreachable as error:
            raise SignInRefused(f"the broker cannot be reached to check the password: {error}") from error
    units = supervised_units(runtime.unit_of_work(), officer_id)
    if not units:
        raise SignInRefused(f"'{officer_id}' supervises no unit: a roster must name them as supervisor")
    return units, broker_url
