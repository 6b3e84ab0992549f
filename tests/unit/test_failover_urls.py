"""Several broker nodes in one ASSIGNER_BROKER_URL (kombu's failover form): each named, none with its password, and
each one's management API asked in turn for the vhost."""

from __future__ import annotations

from pathlib import Path

from assigner.broker.connection import broker_nodes, display_url
from assigner.broker.queue_stats import management_targets
from assigner.settings import Settings

NODES = "amqp://u:secret@h1:5672/v;amqp://u:secret@h2:5672/v; amqp://u:secret@h3:5672/v"


class TestBrokerNodes:
    def test_each_node_of_a_failover_url_is_named_in_order(self, tmp_path: Path) -> None:
        settings = Settings(home=tmp_path, broker_url=NODES)
        assert [node.split("@")[1] for node in broker_nodes(settings)] == ["h1:5672/v", "h2:5672/v", "h3:5672/v"]

    def test_the_display_names_every_node_without_its_password(self, tmp_path: Path) -> None:
        shown = display_url(Settings(home=tmp_path, broker_url=NODES))
        assert shown.count("@h") == 3 and "secret" not in shown

    def test_one_url_is_one_node(self, tmp_path: Path) -> None:
        assert len(broker_nodes(Settings(home=tmp_path, broker_url="amqp://u:p@h1:5672/v"))) == 1


class TestManagementApi:
    def test_each_nodes_management_api_is_asked_in_turn_for_the_vhost_alone(self, tmp_path: Path) -> None:
        targets = management_targets(Settings(home=tmp_path, broker_url=NODES))
        assert [(api.base, api.user, api.password, vhost) for api, vhost in targets] == [
            (f"http://{host}:15672", "u", "secret", "v") for host in ("h1", "h2", "h3")
        ]

    def test_the_management_setting_is_the_one_api_asked(self, tmp_path: Path) -> None:
        settings = Settings(home=tmp_path, broker_url=NODES, broker_management_url="https://m:k@mgmt:8443/rabbit/")
        [(api, vhost)] = management_targets(settings)
        assert (api.base, api.user, api.password, vhost) == ("https://mgmt:8443/rabbit", "m", "k", "v")
