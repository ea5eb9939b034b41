"""The Matrix connector (matrix-nio): ``registry.load("matrix")``."""

from shequn.connectors.matrix.connector import MatrixConnector

__all__ = ["MatrixConnector"]
