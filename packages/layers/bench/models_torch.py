"""PyTorch peer of `pnpm bench models` (driven by models.bench.ts; not run on its own).

Reads one JSON command per line on stdin and answers one JSON line on stdout:
  {"cmd": "setup", "id": ..., "kind": ..., "config": {...}, "dir": ...}
      builds the model, loads the weights and inputs the bench wrote to `dir`
      (manifest.json + one little-endian float32 file per tensor, PyTorch names), runs the
      check (forward: the output; training step: the loss before and after one step) and
      writes it to dir/torch-check.f32. Answers {"ok": true}.
  {"cmd": "run", "id": ...}     runs the case once; answers {"ms": wall milliseconds}.
  {"cmd": "drop", "id": ...}    forgets the case.
Threads: the bench starts one process per thread count with OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS set (and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset).
"""
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
torch.manual_seed(0)


def load(d):
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    out = {}
    for name, shape in man["tensors"].items():
        arr = np.fromfile(os.path.join(d, name + ".f32"), dtype="<f4").reshape(shape)
        out[name] = torch.from_numpy(arr.copy())
    return out


def encoder(c):
    layer = nn.TransformerEncoderLayer(
        c["dModel"], c["numHeads"], c["dFF"], dropout=0.0, activation="gelu", batch_first=True, layer_norm_eps=1e-5
    )
    return nn.TransformerEncoder(layer, c["numLayers"], enable_nested_tensor=False)


class Case:
    def __init__(self, kind, c, d):
        self.kind = kind
        t = load(d)
        if kind.startswith("encoder"):
            self.model = encoder(c)
        else:
            self.model = nn.LSTM(c["input"], c["hidden"])
        params = {k[len("param."):]: v for k, v in t.items() if k.startswith("param.")}
        self.model.load_state_dict(params, strict=True)
        self.x = t["input.x"]
        self.target = t.get("input.target")
        self.train = kind.endswith("train-step")
        if self.train:
            self.model.train()
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        else:
            self.model.eval()
        self.check_path = os.path.join(d, "torch-check.f32")

    def out(self):
        y = self.model(self.x)
        return y[0] if isinstance(y, tuple) else y

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(self.out(), self.target)
        loss.backward()
        self.opt.step()
        return loss

    def check(self):
        if self.train:
            l1 = self.step().item()
            with torch.no_grad():
                l2 = nn.functional.mse_loss(self.out(), self.target).item()
            vals = np.array([l1, l2], dtype="<f4")
        else:
            with torch.inference_mode():
                vals = self.out().numpy().astype("<f4")
        vals.tofile(self.check_path)

    def run(self):
        t0 = time.perf_counter()
        if self.train:
            self.step()
        else:
            with torch.inference_mode():
                self.out()
        return (time.perf_counter() - t0) * 1000


def main():
    cases = {}
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            if msg["cmd"] == "setup":
                c = Case(msg["kind"], msg["config"], msg["dir"])
                c.check()
                cases[msg["id"]] = c
                reply = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
            elif msg["cmd"] == "run":
                reply = {"ms": cases[msg["id"]].run()}
            elif msg["cmd"] == "drop":
                cases.pop(msg["id"], None)
                reply = {"ok": True}
            else:
                reply = {"error": "unknown command " + str(msg["cmd"])}
        except Exception as e:  # reported to the bench, which fails the case
            reply = {"error": repr(e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


main()
