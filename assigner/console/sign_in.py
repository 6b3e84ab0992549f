"""Who may sign in: a supervisor on a roster, proved by the broker (RabbitMQ checks their password) or by their
command key (the embedded broker). No password store of the console's own.

The roster is read first: an officer id that supervises no unit is refused without asking the broker, so the
console cannot be used to try the RabbitMQ passwords of other accounts. Every refusal reads the same to the
user (REFUSED, in their language); the reason is for the log only.
"""

from __future__ import annotations

import hmac

from kombu.connection import Connection

from assigner.bootstrap import Runtime
from assigner.broker.connection import BrokerRefused, BrokerUnreachable, connect, is_embedded, reach
from assigner.console.language import N_
from assigner.domain.errors import AssignerError
from assigner.domain.model import Unit
from assigner.services.supervision import supervised_units
from assigner.settings import Settings

# Translated where it is shown (the reader's language).
REFUSED = N_(
    "sign-in refused: check your officer id and password (or command key); only a supervisor of a unit may sign in"
)


class SignInRefused(AssignerError):
    """The officer id and secret sign nobody in; the message is the reason, for the log (the user sees REFUSED)."""


def sign_in(runtime: Runtime, officer_id: str, secret: str) -> tuple[list[Unit], str | None]:
    """The units `officer_id` supervises and the broker URL their commands go out on (None on the embedded
    broker), once the roster names them as a supervisor and the secret proves who they are; SignInRefused
    otherwise."""
    if not officer_id or not secret:
        raise SignInRefused("officer id or secret left empty")
    units = supervised_units(runtime.unit_of_work(), officer_id)
    if not units:
        raise SignInRefused("supervises no unit (not asked of the broker)")
    settings = runtime.settings
    if is_embedded(settings):
        key = settings.supervisor_keys().get(officer_id)
        if key is None or not hmac.compare_digest(key.encode(), secret.encode()):
            raise SignInRefused("no command key, or a wrong one")
        return units, None
    return units, broker_login(settings, officer_id, secret)


def broker_login(settings: Settings, officer_id: str, secret: str) -> str:
    """The broker URL of `officer_id`'s own login, once RabbitMQ has accepted it; SignInRefused otherwise."""
    url = str(Connection(settings.broker_url).clone(userid=officer_id, password=secret).as_uri(include_password=True))
    try:
        with connect(settings.model_copy(update={"broker_url": url})) as connection:
            reach(connection, settings)
    except BrokerRefused as error:
        raise SignInRefused("the broker refused the user or password") from error
    except BrokerUnreachable as error:
        raise SignInRefused(f"the broker could not be reached to check the password: {error}") from error
    return url
