"""The plain CPPN video script, written the way the public CPPN scripts are, to time cppn_motion
against (`cppn-motion bench`, bench/RESULTS.md). It is deliberately ordinary: x, y, r plus an
8-dim latent z walked around a circle, an 8 x 32 tanh MLP built from nn.Linear, one whole frame
at a time in float32, frames handed to imageio's writer with its defaults. It imports nothing
from cppn_motion and is run as its own process, so its startup counts as a user's would:

    python cppn_motion/study/peer_plain.py -o plain.mp4 --frames 150 --size 640x360
    python cppn_motion/study/peer_plain.py -o plain.png --size 1920x1080      # one still
"""
import argparse
import math

import imageio
import numpy as np
import torch
from torch import nn


class CPPN(nn.Module):
    def __init__(self, z_dim=8, width=32, depth=8):
        super().__init__()
        layers = [nn.Linear(3 + z_dim, width), nn.Tanh()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.Tanh()]
        layers += [nn.Linear(width, 3), nn.Sigmoid()]
        self.net = nn.Sequential(*layers)
        for layer in self.net:
            if isinstance(layer, nn.Linear):
                # He normal at twice the usual scale (as cppn_motion's default preset): busy but
                # smooth pictures, so both commands hand x264 the same kind of frames.
                nn.init.normal_(layer.weight, std=2 * math.sqrt(2 / layer.in_features))
                nn.init.normal_(layer.bias, std=0.5)

    def forward(self, x):
        return self.net(x)


def coordinates(width, height):
    aspect = width / height
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-aspect, aspect, width), indexing="ij")
    r = torch.sqrt(xs**2 + ys**2)
    return torch.stack([xs, ys, r], dim=-1).reshape(-1, 3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", "--out", default="plain.mp4")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    torch.manual_seed(args.seed)
    model = CPPN().eval()
    xyr = coordinates(width, height)
    # The latent walks a circle through two random directions, so the clip loops.
    z_a, z_b = torch.randn(8), torch.randn(8)

    def frame(i):
        t = 2 * math.pi * i / args.frames
        z = 0.8 * (math.cos(t) * z_a + math.sin(t) * z_b)
        inputs = torch.cat([xyr, z.expand(xyr.shape[0], 8)], dim=1)
        with torch.no_grad():
            rgb = model(inputs)
        return (rgb.reshape(height, width, 3).numpy() * 255).astype(np.uint8)

    if args.out.endswith(".png"):
        imageio.imwrite(args.out, frame(0))
        return
    writer = imageio.get_writer(args.out, fps=args.fps)
    for i in range(args.frames):
        writer.append_data(frame(i))
    writer.close()


if __name__ == "__main__":
    main()
