"""Published risk instruments behind the same interface as every fitted model.

OGRS3 (the Offender Group Reconviction Scale, version 3) is here; HMPPS's current
predictors (ARP, VRP, SVRP) are in :mod:`riskassess.instruments.arns`. An instrument is an
ordinary :class:`~riskassess.models.TransparentModel`: fixed published coefficients,
``fit`` only records the training frame (for background means), and nothing outside its
own module treats it specially.

Examples
--------
>>> from riskassess.instruments import OGRS3
>>> OGRS3(horizon=2).horizon
2
"""

from riskassess.instruments._ogrs3 import OGRS3, OGRS3_COLUMNS, ogrs3_form
from riskassess.instruments.arns import ARP, SVRP, VRP, arns_inputs, case_to_request

__all__ = ["ARP", "OGRS3", "OGRS3_COLUMNS", "SVRP", "VRP", "arns_inputs", "case_to_request",
           "ogrs3_form"]
