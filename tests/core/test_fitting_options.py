"""Which images a data source gives is read from the network it is loaded for."""

from core.train.fitting import data_options


def network(input_shape, outputs, classes=None):
    spec = {"input_shape": list(input_shape), "layers": [
        {"class": "Flatten", "config": {}},
        {"class": "Dense", "config": {"out_features": outputs}}]}
    if classes is not None:
        spec["classes"] = classes
    return spec


def test_data_options_fit_the_network_input():
    assert data_options("folder:/x", network((3, 32, 24), 5)) == {"size": (32, 24), "grey": False}
    assert data_options("cifar10:/x", network((1, 32, 32), 10)) == {"grey": True}
    shapes = data_options("shapes", network((3, 20, 20), 6))
    assert shapes["size"] == 20 and shapes["colour"] and len(shapes["kinds"]) == 6
    assert data_options("shapes", network((1, 28, 28), 3, ["ring", "star", "circle"]))[
        "kinds"] == ["ring", "star", "circle"]
    assert data_options("mnist-5k", network((1, 28, 28), 10)) == {}


def test_shapes_give_one_kind_per_output_up_to_all_six():
    assert data_options("shapes", network((1, 28, 28), 4))["kinds"] == [
        "circle", "square", "triangle", "cross"]
    assert data_options("shapes", network((1, 28, 28), 2))["kinds"] == ["circle", "square"]
    assert len(data_options("shapes", network((1, 28, 28), 10))["kinds"]) == 6
    assert data_options("shapes", network((784,), 10)) == {}  # a vector network: as they come
