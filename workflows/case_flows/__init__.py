"""Importing this package registers the four case workflows with the engine."""

from workflows.case_flows.ind_to_ent import IND_TO_ENT
from workflows.case_flows.scale_to_stock import SCALE_TO_STOCK
from workflows.case_flows.small_to_scale import SMALL_TO_SCALE
from workflows.case_flows.stock_to_listed import STOCK_TO_LISTED

CASE_WORKFLOWS = {wf.name: wf for wf in (IND_TO_ENT, SMALL_TO_SCALE, SCALE_TO_STOCK, STOCK_TO_LISTED)}

__all__ = ["CASE_WORKFLOWS"]
