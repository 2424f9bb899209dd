"""The palette lists every block of core.nn.layers by kind, with icon, tooltip and help text."""

import pytest
from PySide6.QtCore import Qt

from core.nn.layer import LAYERS
from playground.builder.palette import BLOCK_MIME, CLASS_ROLE, KIND_ORDER, PalettePanel


@pytest.fixture
def panel(qtbot):
    widget = PalettePanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_every_block_once_under_its_kind(panel):
    tree = panel.tree
    groups = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    titles = [g.text(0).lower() for g in groups]
    assert titles == [k for k in KIND_ORDER if k == "input" or any(
        c.KIND == k for c in LAYERS.values())]
    seen = []
    for group in groups:
        for j in range(group.childCount()):
            name = group.child(j).data(0, CLASS_ROLE)
            seen.append(name)
            if name != "Input":
                assert LAYERS[name].KIND == group.text(0).lower()
    assert sorted(seen) == sorted(["Input", *LAYERS])


def test_tooltips_icons_and_help(panel, qtbot):
    tree = panel.tree
    images = {}
    for name, cls in LAYERS.items():
        item = tree.items[name]
        assert item.toolTip(0) == cls.HELP and cls.HELP
        image = item.icon(0).pixmap(32, 32).toImage()
        opaque = sum(image.pixelColor(x, y).alpha() > 0 for x in range(32) for y in range(32))
        assert opaque > 200, name
        images[name] = image
        tree.setCurrentItem(item)
        assert cls.DESCRIPTION[:60] in panel.help.toPlainText()
    assert images["ReLU"] != images["Sigmoid"] != images["Conv2D"]
    assert images["MaxPool2D"] != images["AvgPool2D"]


def test_drag_payload_is_the_class_name_only(panel):
    tree = panel.tree
    mime = tree.mime_for("Conv2D")
    assert set(mime.formats()) == {BLOCK_MIME, "text/plain"}
    assert bytes(mime.data(BLOCK_MIME)) == b"Conv2D"
    assert not tree.mime_for("Input").hasFormat(BLOCK_MIME)
    assert not tree.items["Input"].flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert tree.items["Dense"].flags() & Qt.ItemFlag.ItemIsDragEnabled


def test_icons_are_drawn_from_what_each_block_asks_for(qtbot, monkeypatch):
    from playground.builder.icons import block_icon

    def image(name):
        return block_icon(name, "activation", 32).pixmap(32, 32).toImage()

    softmax, relu = image("Softmax"), image("ReLU")
    assert relu != softmax
    monkeypatch.setattr(LAYERS["ReLU"], "ICON", "bars")
    assert image("ReLU") == softmax
    monkeypatch.setattr(LAYERS["ReLU"], "ICON", "curve")
    monkeypatch.setattr(LAYERS["ReLU"], "icon_curve", staticmethod(lambda x: 0.0))
    assert image("ReLU") != relu
