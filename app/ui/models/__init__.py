"""Qt table models over the services' immutable records; no model knows its view."""

from app.ui.models.environments_model import EnvColumn, EnvironmentsModel, EnvRole
from app.ui.models.secrets_model import Column, Role, SecretRow, SecretsModel

__all__ = [
    "Column",
    "EnvColumn",
    "EnvRole",
    "EnvironmentsModel",
    "Role",
    "SecretRow",
    "SecretsModel",
]
