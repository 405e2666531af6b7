"""Imports every capability's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from bansos.auth import models as auth_models
from bansos.db import AppMeta
from bansos.ledger import models as ledger_models
from bansos.merchants import models as merchant_models
from bansos.notify import models as notify_models
from bansos.payments import models as payment_models
from bansos.programs import models as program_models
from bansos.registry import models as registry_models
from bansos.targeting import models as targeting_models
from bansos.transparency import models as transparency_models
from bansos.vouchers import models as voucher_models

__all__ = [
    "AppMeta",
    "auth_models",
    "ledger_models",
    "merchant_models",
    "notify_models",
    "payment_models",
    "program_models",
    "registry_models",
    "targeting_models",
    "transparency_models",
    "voucher_models",
]
