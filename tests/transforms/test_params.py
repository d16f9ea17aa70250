"""scikit-learn's parameter protocol on transforms: get_params / set_params / clone."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from augfit.errors import AugfitError, ConfigError
from augfit.registry import TRANSFORMS
from augfit.transforms import available
from augfit.transforms.compose import Compose, OneOf
from augfit.transforms.image import Brightness, HorizontalFlip, Rotate
from transform_examples import example_args


@pytest.mark.parametrize("name", available())
def test_clone_rebuilds_the_same_transform_and_set_params_validates(name):
    cls = TRANSFORMS.get(name)
    t = cls(**example_args(cls))
    c = clone(t)
    assert c is not t and type(c) is cls and c.to_dict() == t.to_dict()
    params = t.get_params(deep=False)
    assert set(params) == set(t.to_dict()) - {"type"}
    if "p" in params and not cls.deterministic:
        assert c.set_params(p=0.25) is c and c.p == 0.25 and t.p == params["p"]
        with pytest.raises(AugfitError):
            c.set_params(p=2.0)


def test_step_names_like_make_pipeline_and_positions():
    aug = Compose([Rotate(limit=10), Rotate(limit=20), HorizontalFlip()], seed=0)
    deep = aug.get_params()
    assert deep["rotate-1__limit"] == 10 and deep["rotate-2__limit"] == 20
    assert deep["horizontalflip__p"] == 0.5  # HorizontalFlip defaults to p=0.5
    aug.set_params(**{"rotate-2__limit": 30, "0__limit": 5, "horizontalflip__p": 1.0})
    assert [aug.transforms[0].limit, aug.transforms[1].limit, aug.transforms[2].p] == [5, 30, 1.0]


def test_nested_compositions_and_own_arguments():
    aug = Compose([OneOf([Rotate(limit=10), Brightness(limit=0.1)]), HorizontalFlip()], seed=3)
    aug.set_params(oneof__brightness__limit=0.4, seed=9)
    assert aug.seed == 9 and aug.transforms[0].transforms[1].limit == 0.4
    # the rebuilt Compose restarts its own stream from the new seed
    x = np.random.default_rng(0).integers(0, 256, (4, 8, 8), dtype=np.uint8)
    fresh = Compose([OneOf([Rotate(limit=10), Brightness(limit=0.4)]), HorizontalFlip()], seed=9)
    np.testing.assert_array_equal(aug(x), fresh(x))


def test_unknown_key_lists_the_valid_ones():
    with pytest.raises(ConfigError, match=r"no parameter 'angle'; valid: limit, fill, p"):
        Rotate(limit=3).set_params(angle=4)
    with pytest.raises(ConfigError, match=r"rotate__\.\.\."):
        Compose([Rotate(limit=3)]).set_params(flip__p=1.0)
