"""Database infrastructure: engines, the declarative base, sessions per request, migrations.

Imports no domain. Each request gets one session joined to the request's transaction
(pyramid_tm + zope.sqlalchemy), so the commit follows the response, as Warehouse does.
"""

from bastion.db.base import Base
from bastion.db.engine import Engines, make_engines

__all__ = ["Base", "Engines", "make_engines"]
