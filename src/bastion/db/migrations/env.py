"""Alembic environment: runs on the engine the caller placed in `config.attributes`."""

from alembic import context

from bastion.db.base import Base
from bastion.models import import_all_models

import_all_models()
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
