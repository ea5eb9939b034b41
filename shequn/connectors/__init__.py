"""Live platforms: each connector turns a platform's stream into canonical events and
performs actions there. Connectors import only ``shequn.events`` (never Django), so the
engine, replay and tests can swap one for another (see ``memory`` for the testing kit).
"""

from shequn.connectors.base import Connector, ConnectorError, Unsupported, action_name

__all__ = ["Connector", "ConnectorError", "Unsupported", "action_name"]
