"""AAPOR outcome rates (helpers.core.response_rates) against hand counts.

INVENTED dispositions, chosen so that each rate is a fraction worked out by hand from the
Standard Definitions' formulas (written out beside each value).
"""

from __future__ import annotations

import pytest

from helpers.core.response_rates import Dispositions, rates, upper_bound_rr

# I=400 P=50 R=200 NC=150 O=50 UH=100 UO=50 e=0.6: interviews 450, eligible
# non-interviews 400, unknown 150; with unknown 1000, with e 850 + 90 = 940, known 850;
# contacted (I+P)+R+O = 700.
CASES = Dispositions(I=400, P=50, R=200, NC=150, O=50, UH=100, UO=50, e=0.6)
BY_HAND = {
    "RR1": 400 / 1000,
    "RR2": 450 / 1000,
    "RR3": 400 / 940,
    "RR4": 450 / 940,
    "RR5": 400 / 850,
    "RR6": 450 / 850,
    "COOP1": 400 / 700,
    "COOP2": 450 / 700,
    "COOP3": 400 / 650,
    "COOP4": 450 / 650,
    "REF1": 200 / 1000,
    "REF2": 200 / 940,
    "REF3": 200 / 850,
    "CON1": 700 / 1000,
    "CON2": 700 / 940,
    "CON3": 700 / 850,
}


def test_every_rate_equals_its_hand_count():
    got = rates(CASES)
    assert set(got) == set(BY_HAND)
    for name, want in BY_HAND.items():
        assert got[name] == pytest.approx(want, rel=1e-12), name


def test_rates_needing_e_are_none_without_it_and_ordered_as_the_definitions_say():
    got = rates(Dispositions(I=400, P=50, R=200, NC=150, O=50, UH=100, UO=50))
    assert got["RR3"] is None and got["RR4"] is None and got["REF2"] is None
    assert got["CON2"] is None
    # counting partials raises a rate; leaving unknown cases out raises it further
    full = rates(CASES)
    assert full["RR1"] <= full["RR3"] <= full["RR5"] and full["RR2"] <= full["RR4"] <= full["RR6"]
    assert full["RR1"] <= full["RR2"]


def test_e_of_one_and_zero_meet_the_bounding_rates():
    """e = 1 counts every unknown case as eligible (RR3 = RR1); e = 0 none (RR3 = RR5)."""
    one = rates(Dispositions(I=400, P=50, R=200, NC=150, O=50, UH=100, UO=50, e=1.0))
    zero = rates(Dispositions(I=400, P=50, R=200, NC=150, O=50, UH=100, UO=50, e=0.0))
    assert one["RR3"] == pytest.approx(one["RR1"]) and zero["RR3"] == pytest.approx(zero["RR5"])


def test_empty_denominators_and_bad_counts():
    assert rates(Dispositions(I=0))["RR1"] is None
    for bad in ({"I": -1}, {"I": 3, "R": 1.5}, {"I": True}):
        with pytest.raises(ValueError, match="expected a count"):
            Dispositions(**bad)
    with pytest.raises(ValueError, match="expected a share from 0 to 1"):
        Dispositions(I=1, e=1.2)


def test_the_2013_survey_answered_at_most_three_percent():
    """The document: more than 500 organizations invited (at least 501), 15 answered."""
    assert upper_bound_rr(15, 501) == pytest.approx(15 / 501)
    assert f"{100 * upper_bound_rr(15, 501):.1f}%" == "3.0%"
    with pytest.raises(ValueError):
        upper_bound_rr(16, 15)
