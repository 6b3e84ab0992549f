"""The broker side of the contract: topology, connections (RabbitMQ or embedded), confirmed publishing."""
