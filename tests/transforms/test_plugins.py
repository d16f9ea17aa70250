"""Third-party transforms through the ``augfit.transforms`` entry-point group."""
from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

import augfit as af
from augfit.registry import TRANSFORMS
from augfit.transforms import available

PLUGIN = textwrap.dedent('''
    import numpy as np
    from augfit.transforms.image import ImageTransform

    class InvertPlugin(ImageTransform):
        """Photographic negative (a tiny third-party transform)."""

        def __init__(self, p=1.0):
            super().__init__(p)

        def apply_params(self, batch, params):
            return (255 - batch) if batch.dtype == np.uint8 else (1.0 - batch)
''')


@pytest.fixture
def plugin_on_path(tmp_path):
    """A package 'augfit_invert_plugin' with a dist-info declaring the entry point, on sys.path."""
    (tmp_path / "augfit_invert_plugin").mkdir()
    (tmp_path / "augfit_invert_plugin" / "__init__.py").write_text(PLUGIN)
    dist = tmp_path / "augfit_invert_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: augfit-invert-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[augfit.transforms]\nInvertPlugin = augfit_invert_plugin:InvertPlugin\n")
    sys.path.insert(0, str(tmp_path))
    TRANSFORMS.refresh()
    yield
    sys.path.remove(str(tmp_path))
    TRANSFORMS._items.pop("InvertPlugin", None)
    sys.modules.pop("augfit_invert_plugin", None)


@pytest.mark.usefixtures("plugin_on_path")
def test_entry_point_plugin_is_listed_built_and_serialized():
    assert "InvertPlugin" in available()
    aug = af.Compose.from_dict({"type": "Compose", "seed": 0,
                                "transforms": [{"type": "InvertPlugin"}, {"type": "VerticalFlip",
                                                                          "p": 1.0}]})
    x = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    np.testing.assert_array_equal(aug(x), (255 - x)[:, ::-1])
    assert aug.to_dict()["transforms"][0] == {"type": "InvertPlugin", "p": 1.0}
    single = af.Compose.from_dict({"type": "InvertPlugin"})
    np.testing.assert_array_equal(single(x, rng=0), 255 - x)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(af.ConfigError, match="Rotate"):
        af.Compose.from_dict({"type": "Rotat"})


def test_unregister_removes_an_entry_and_names_an_unknown_one():
    # issue 22: tests deleted from the private table; unregister is the public way
    from augfit.registry import Registry
    table: Registry[type] = Registry("widget", "augfit.no-such-group")

    @table.register()
    class Tint:
        pass

    table.register("Tinge")(Tint)
    assert table.available() == ["Tinge", "Tint"] and Tint.registered_name == "Tinge"
    with pytest.raises(af.ConfigError) as e:
        table.unregister("Tnt")
    assert str(e.value) == ("cannot unregister widget 'Tnt': it is not registered; did you mean "
                            "'Tint'? Registered: Tinge, Tint")
    assert table.unregister("Tinge") is Tint
    assert table.available() == ["Tint"] and Tint.registered_name == "Tint"
    assert table.unregister("Tint") is Tint and table.available() == []
    assert "registered_name" not in Tint.__dict__
    with pytest.raises(af.ConfigError, match=r"^cannot unregister widget 'Tint': it is not "
                                             r"registered Registered: none$"):
        table.unregister("Tint")
    table.register()(Tint)  # registering again after removal works
    assert table.get("Tint") is Tint
