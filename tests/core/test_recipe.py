"""The run recipe: JSON round trip, one message per bad field, and the trainer built from it."""

import json

import numpy as np
import pytest

from core.data.sources import load_dataset
from core.nn.model import Sequential
from core.train.recipe import (
    Recipe,
    RecipeError,
    make_augment,
    make_optimizer,
    make_schedule,
    prepare_data,
    stats_interval,
)
from core.train.run_setup import build_trainer

SPEC = {
    "name": "mlp", "input_shape": [1, 12, 12],
    "layers": [{"class": "Flatten", "config": {}},
               {"class": "Dense", "config": {"in_features": 144, "out_features": 4}}],
}


@pytest.fixture(scope="module")
def shapes():
    return load_dataset("shapes", count=200, test_count=50, size=12, seed=0)


def test_a_recipe_round_trips_through_json():
    recipe = Recipe(data="shapes", data_options={"size": 12}, normalize=True, mean=[0.2],
                    std=[0.3], optimizer={"class": "Adam", "config": {"lr": 0.002}},
                    schedule={"class": "StepLR", "config": {"step_size": 2, "gamma": 0.5}},
                    epochs=3, batch_size=16, seed=4, shift=2, flip=True, train_limit=100,
                    test_limit=20, clip_norm=1.5)
    again = Recipe.from_dict(json.loads(json.dumps(recipe.to_dict())))
    assert again == recipe
    assert Recipe.from_dict({}) == Recipe()
    assert Recipe.from_dict({"epochs": 9}, base=recipe) == Recipe(**{**recipe.to_dict(),
                                                                      "epochs": 9})


def test_every_bad_field_gets_its_own_message():
    with pytest.raises(RecipeError) as caught:
        Recipe.from_dict({"epochs": 0, "batch_size": "64", "flip": "yes", "mean": [0.1],
                          "clip_norm": -1, "speed": 3,
                          "optimizer": {"class": "SGD", "config": {"lr": -1}}})
    problems = caught.value.problems
    assert len(problems) == 7, problems
    for name in ("speed", "epochs", "batch_size", "flip", "mean and std", "clip_norm",
                 "learning rate"):
        assert sum(name in p for p in problems) == 1, (name, problems)
    assert "\n" not in str(caught.value)
    with pytest.raises(RecipeError, match="schedule: unknown"):
        Recipe(schedule={"class": "Warmup"}).check()


def test_the_recipe_makes_the_optimizer_schedule_and_augmentation():
    recipe = Recipe(optimizer={"class": "Adam", "config": {"lr": 0.002, "weight_decay": 1e-4}},
                    schedule={"class": "CosineLR", "config": {}}, epochs=4, shift=2)
    optimizer = make_optimizer(recipe)
    assert type(optimizer).__name__ == "Adam" and optimizer.lr == pytest.approx(0.002)
    cosine = make_schedule(recipe)
    assert cosine.total_epochs == 4 and cosine(0) == pytest.approx(0.002) and cosine(2) < 0.002
    step = make_schedule(Recipe(schedule={"class": "StepLR", "config": {"step_size": 2,
                                                                         "gamma": 0.5}}))
    assert [step(e) for e in range(4)] == pytest.approx([0.05, 0.05, 0.025, 0.025])
    assert make_augment(recipe) == {"shift": 2, "flip": False}
    assert make_augment(Recipe()) is None
    assert [stats_interval(n, 64) for n in (64, 4000, 60000)] == [1, 3, 10]


def test_prepare_data_applies_limits_and_the_recipes_normalisation(shapes):
    train, test = shapes
    recipe, small, small_test = prepare_data(
        Recipe(normalize=True, train_limit=50, test_limit=10), train, test)
    assert (len(small), len(small_test)) == (50, 10)
    assert recipe.mean is not None and small.mean == recipe.mean == small_test.mean
    assert abs(float(small.images.mean())) < 1e-5
    again = prepare_data(recipe, small, small_test)  # changes nothing the second time
    assert again[0] == recipe and again[1] is small and again[2] is small_test
    # Known statistics are used as they are, on raw data or data standardised otherwise.
    fixed = Recipe().with_preprocessing([0.5], [0.25])
    for data in (train, small):
        _, prepared, _ = prepare_data(fixed, data, None)
        np.testing.assert_allclose(prepared.images,
                                   (train.images[:len(data)] - 0.5) / 0.25, atol=1e-5)
    # normalize off: the images are used in 0..1.
    _, plain, _ = prepare_data(Recipe(), small, None)
    np.testing.assert_allclose(plain.images, train.images[:50], atol=1e-6)


def test_the_trainer_follows_the_recipe(shapes):
    train, test = shapes
    recipe = Recipe(normalize=True, epochs=2, batch_size=50, seed=3, clip_norm=2.0,
                    optimizer={"class": "SGD", "config": {"lr": 0.1, "momentum": 0.5,
                                                          "weight_decay": 0.0}},
                    schedule={"class": "StepLR", "config": {"step_size": 1, "gamma": 0.5}},
                    test_limit=20)
    model = Sequential.from_spec(SPEC, seed=3)
    trainer = build_trainer(recipe, model, train, test)
    assert (trainer.batch_size, trainer.epochs, trainer.seed) == (50, 2, 3)
    assert trainer.clip_norm == 2.0 and len(trainer.test) == 20
    assert trainer.recipe.mean == trainer.train.mean is not None
    assert trainer.history.meta["recipe"] == trainer.recipe.to_dict()
    assert trainer.history.meta["optimizer"] == {
        "class": "SGD", "config": {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.0}}
    history = trainer.run()
    assert [e["lr"] for e in history.epochs] == pytest.approx([0.1, 0.05])
    with pytest.raises(RecipeError, match="epochs"):
        build_trainer(Recipe(epochs=0), model, train, test)
