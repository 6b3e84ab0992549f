"""Several broker nodes in one ASSIGNER_BROKER_URL (kombu's failover form): each named, none with its password."""

from __future__ import annotations

from pathlib import Path

from assigner.broker.connection import broker_nodes, display_url
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
