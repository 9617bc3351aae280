"""Design-based estimates of a weighted survey, by a maintained survey-statistics library (svy).

A codebook's ``design:`` names the weight, strata, PSUs and fpc of an export;
clean hands them on as ``design_weight``, ``design_strata``, ``design_psu`` and
``design_fpc`` (replicate weights ``design_rep_1`` ...). Every variance here comes from
svy (Taylor linearization or replicates; domains keep the whole design, as R survey's
``subset()`` does), but one: a replicate design's logit interval (R's, from the
replicates' logits; ``_replicate_logit``). Where svy's construction differs from R's,
the figure is built as R builds it with svy doing the estimation (quantiles, the Taylor
rank test). tests/test_design_references.py checks every figure of seven real designs
against R's survey package; tests/test_survey_designs.py svy itself. Sums of weights
(weighted counts and bases) are plain sums.

The parts: :mod:`.design_setup` (what a design needs before svy: population sizes,
weights checked, calibration, R's quantile rule, :class:`Weighted`), :mod:`.design_sample`
(the svy sample and what every estimate shares) and :mod:`.design_estimates` (the
estimates); a clustered design's svy sample holds the engine's cells, not its rows
(:mod:`.design_cells`, why it is exact; :mod:`.design_recount`, the design effects and SDs
put back from the rows' counts: :class:`CellEstimates`); this module gathers them.
"""

from helpers.summarize.design_estimates import DesignEstimates
from helpers.summarize.design_recount import CellEstimates
from helpers.summarize.design_setup import DesignError, Weighted, r_quantile

__all__ = ["CellEstimates", "DesignError", "DesignEstimates", "Weighted", "r_quantile"]
