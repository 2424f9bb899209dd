"""The shipped example networks: listed, titled as people write them, the default network."""

import json

from core.nn.templates import default_spec, shipped_templates, template_title
from core.resources import resource_path


def test_the_shipped_templates_are_listed_with_their_titles():
    assert [template_title(p) for p in shipped_templates()] == [
        "Sigmoid chain U, V, W", "Deep ReLU net", "Deep sigmoid net", "LeNet-5",
        "LSTM reading digits row by row", "Reference CNN", "RNN reading digits row by row",
        "RNN remembering the first symbol", "Tiny CNN on 9x9 (pad 2, stride 2)", "Tiny MLP"]
    assert default_spec() == json.loads(resource_path("models", "reference.json").read_text())


def test_a_spec_of_its_own_is_titled_by_its_title_or_name(tmp_path):
    titled = tmp_path / "edge_net.json"
    titled.write_text('{"name": "edge_net", "title": "Edge net (Sobel seeded)"}')
    named = tmp_path / "my_net.json"
    named.write_text('{"name": "Tiny VGG"}')
    bare = tmp_path / "small_cnn.json"
    bare.write_text("{not json")
    assert template_title(titled) == "Edge net (Sobel seeded)"
    assert template_title(named) == "Tiny VGG"
    assert template_title(bare) == "Small cnn"
