#!/usr/bin/env python3
"""Train a LeNet-5-style network with PyTorch, export it to ONNX and run it on xbarsim.

An example of bringing one's own network (docs/onnx.md), and the check that xbarsim reads it
right: xbarsim's fp32 evaluation of the ONNX model (experiment.impl fp32_inference) must give
PyTorch's test accuracy within 0.05 points and PyTorch's logits on the first 100 test images
within 1e-5 of each image's largest |logit|. Then, with --chip, the model is mapped onto ideal
128 x 128 tiles (configs/experiments/mnist_lenet5_infer_ideal.yaml).

Needs Debian's python3-torch (not installed by tools/install-deps.sh: CI does not run this; the
importer's own tests write their models themselves). Usage, from the repository root:

    python3 tools/examples/pytorch_onnx.py --xbarsim build/release/apps/xbarsim --out runs/pytorch_onnx

Inputs are fed as xbarsim feeds them by default: pixel / 255, no normalisation.
"""
import argparse
import csv
import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch
from torch import nn


def read_idx(path):
    opener = gzip.open if not os.path.exists(path) else open
    name = path if os.path.exists(path) else path + ".gz"
    with opener(name, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    rank = magic & 0xFF
    dims = struct.unpack(">" + "i" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def lenet5():
    # configs/networks/lenet5.yaml
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xbarsim", required=True, help="the xbarsim binary")
    ap.add_argument("--data", default="data/mnist", help="folder of the four MNIST IDX files")
    ap.add_argument("--out", required=True, help="folder for the model, configurations and runs")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chip", action="store_true", help="also run the model on ideal 128 x 128 tiles")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)

    def load(split):
        x = read_idx(f"{args.data}/{split}-images-idx3-ubyte").astype(np.float32) / np.float32(255)
        y = read_idx(f"{args.data}/{split}-labels-idx1-ubyte").astype(np.int64)
        return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)

    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    model = lenet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}/{args.epochs}: last batch loss {loss.item():.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)])
    torch_accuracy = 100.0 * (logits.argmax(1) == y_test).double().mean().item()
    print(f"PyTorch test accuracy {torch_accuracy:.2f} %")

    onnx_path = os.path.abspath(os.path.join(args.out, "lenet5.onnx"))
    export = dict(opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    try:  # PyTorch >= 2.5: the TorchScript exporter by name; older versions have only that one
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, dynamo=False, **export)
    except TypeError:
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, **export)

    data = os.path.abspath(args.data)
    config = os.path.join(args.out, "eval.yaml")
    with open(config, "w") as f:
        f.write(f"experiment: {{name: pytorch_lenet5, impl: fp32_inference}}\n"
                f"data: {{dataset: mnist, dir: {data}}}\n"
                f"network: {{onnx: {onnx_path}}}\n")
    run = os.path.join(args.out, "eval")
    subprocess.run([args.xbarsim, "run", config, "--out", run, "--quiet"], check=True)
    report = json.load(open(os.path.join(run, "report.json")))
    xbarsim_accuracy = report["results"]["final"]["test_accuracy_pct"]
    rows = list(csv.DictReader(open(os.path.join(run, "logits.csv"))))
    worst = 0.0
    for r in rows:
        i = int(r["image"])
        theirs = np.array([float(r[f"logit_{c}"]) for c in range(10)])
        ours = logits[i].numpy().astype(np.float64)
        worst = max(worst, float(np.max(np.abs(theirs - ours)) / np.max(np.abs(ours))))
    print(f"xbarsim fp32 test accuracy {xbarsim_accuracy:.2f} % "
          f"(PyTorch {torch_accuracy:.2f} %, difference {xbarsim_accuracy - torch_accuracy:+.2f} points)")
    print(f"logits of {len(rows)} images: largest difference {worst:.2e} of the image's largest |logit|")
    ok = abs(xbarsim_accuracy - torch_accuracy) <= 0.05 and worst <= 1e-5 and len(rows) == 100

    if args.chip:
        chip = os.path.join(args.out, "chip")
        subprocess.run([args.xbarsim, "run", "configs/experiments/mnist_lenet5_infer_ideal.yaml",
                        "--set", f"network.onnx={onnx_path}", "--set", f"data.dir={data}", "--out", chip,
                        "--quiet"], check=True)
        acc = json.load(open(os.path.join(chip, "report.json")))["results"]["accuracy_pct"]
        print(f"on ideal 128 x 128 tiles with 8-bit converters: {acc['hardware']:.2f} % (fp32 {acc['fp32']:.2f} %)")
    print("OK: xbarsim reads the PyTorch model as PyTorch runs it" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
