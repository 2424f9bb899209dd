"""Print the most likely classes of images with the exported network.

    python predict.py IMAGE...                    # the weights of weights.npz
    python predict.py --weights checkpoint.npz IMAGE...
    python predict.py --data DATA                 # accuracy on a data set's test split

Images are turned grey or colour and resized to the network's input (this needs Pillow), scaled
to 0..1 and standardised as in training. Grey images that are dark on light are inverted to the
light-on-dark of MNIST's digits. (`playground predict` also crops a photo of a digit to its ink
and centres it like MNIST; this script does not.)
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

import model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("images", nargs="*", metavar="IMAGE")
    parser.add_argument("--weights", default=str(model.HERE / "weights.npz"),
                        help="weights.npz (default) or a checkpoint.npz written by train.py")
    parser.add_argument("--top", type=int, default=3, help="classes printed per image")
    parser.add_argument("--data", help="print the accuracy on this data set's test split "
                        "(as train.py's --data)")
    args = parser.parse_args(argv)
    if not args.images and not args.data:
        parser.error("give IMAGE files or --data")
    net = model.load(args.weights)
    if args.data:
        import train

        _, test = train.load_data(args.data, train.DEFAULTS["data_options"])
        probabilities = net.predict(model.prepare(test[0]))
        right = (probabilities.argmax(dim=1) == torch.as_tensor(test[1])).float().mean()
        print(f"{args.data}: test accuracy {100 * float(right):.2f}% on {len(test[1])} samples")
    if args.images:
        batch = np.stack([_image(path) for path in args.images])
        probabilities = net.predict(model.prepare(batch))
        for path, row in zip(args.images, probabilities, strict=True):
            order = torch.argsort(row, descending=True)[:args.top]
            print(f"{path}: " + ", ".join(f"{model.CLASSES[k]} {100 * float(row[k]):.1f}%"
                                          for k in order))
    return 0


def _image(path: str) -> np.ndarray:
    """One image file as the network's input (C, H, W) in 0..1."""
    from PIL import Image

    if len(model.INPUT_SHAPE) != 3:
        sys.exit(f"predict.py: the network takes sequences {model.INPUT_SHAPE}, not images")
    channels, height, width = model.INPUT_SHAPE
    with Image.open(path) as image:
        image = image.convert("L" if channels == 1 else "RGB")
        image = image.resize((width, height), Image.BILINEAR)
        pixels = np.asarray(image, dtype=np.float32) / 255.0
    if channels == 1:
        border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
        if border.mean() > 0.5:
            pixels = 1.0 - pixels
        return pixels[None]
    return pixels.transpose(2, 0, 1)


if __name__ == "__main__":
    sys.exit(main())
