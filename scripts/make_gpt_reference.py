#!/usr/bin/env python3
"""Make Fixtures/gpt/: a tiny GPT-2 (PyTorch, float32, CPU) with fixed seeded weights and a fixed
batch; saves weights, logits, loss, every gradient, and the parameters after one AdamW step, for
Tests/GPTTests (llm.c's test_gpt2.c is the model of this test).

    PY=$(../shared/bench/setup.sh --torch); $PY scripts/make_gpt_reference.py

Outputs
  Fixtures/gpt/reference.json  config, batch (inputs, targets with one ignored -1, positions with
                               a document reset), loss, AdamW settings, tensor table, float counts
  Fixtures/gpt/reference.bin   little-endian float32: params | logits [B,T,V] | grads | params
                               after one AdamW step (from these grads); params and grads in llm.c's
                               arena order (wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb,
                               ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb; per-layer tensors
                               stacked over layers), Linear weights [out, in].
"""
import json, math, os
import torch, torch.nn.functional as F

V, maxT, L, NH, C = 64, 16, 2, 2, 32
B, T = 2, 16
LR, BETAS, EPS, WD = 1e-3, (0.9, 0.95), 1e-8, 0.1
torch.manual_seed(1234)
g = torch.Generator().manual_seed(1234)

def rnd(*shape, std=0.1, mean=0.0):
    return (torch.randn(*shape, generator=g) * std + mean).requires_grad_(True)

P = {
    "wte": rnd(V, C, std=0.2), "wpe": rnd(maxT, C, std=0.1),
    "ln1w": rnd(L, C, mean=1.0), "ln1b": rnd(L, C),
    "qkvw": rnd(L, 3 * C, C, std=0.15), "qkvb": rnd(L, 3 * C),
    "attprojw": rnd(L, C, C, std=0.15), "attprojb": rnd(L, C),
    "ln2w": rnd(L, C, mean=1.0), "ln2b": rnd(L, C),
    "fcw": rnd(L, 4 * C, C, std=0.15), "fcb": rnd(L, 4 * C),
    "fcprojw": rnd(L, C, 4 * C, std=0.1), "fcprojb": rnd(L, C),
    "lnfw": rnd(C, mean=1.0), "lnfb": rnd(C),
}
ORDER = list(P)

inputs = torch.randint(0, V, (B, T), generator=g)
targets = torch.randint(0, V, (B, T), generator=g)
targets[1, 3] = -1                      # one ignored position
positions = torch.stack([torch.arange(T), torch.cat([torch.arange(10), torch.arange(T - 10)])])

def forward(P):
    x = P["wte"][inputs] + P["wpe"][positions]
    hs = C // NH
    for l in range(L):
        h = F.layer_norm(x, (C,), P["ln1w"][l], P["ln1b"][l], 1e-5)
        qkv = h @ P["qkvw"][l].T + P["qkvb"][l]
        q, k, v = qkv.split(C, dim=2)
        q, k, v = (t.view(B, T, NH, hs).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + y @ P["attprojw"][l].T + P["attprojb"][l]
        h = F.layer_norm(x, (C,), P["ln2w"][l], P["ln2b"][l], 1e-5)
        h = F.gelu(h @ P["fcw"][l].T + P["fcb"][l], approximate="tanh")
        x = x + h @ P["fcprojw"][l].T + P["fcprojb"][l]
    x = F.layer_norm(x, (C,), P["lnfw"], P["lnfb"], 1e-5)
    logits = x @ P["wte"].T
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)
    return logits, loss

logits, loss = forward(P)
loss.backward()

flat = lambda ts: torch.cat([t.detach().reshape(-1) for t in ts])
params0 = flat(P[k] for k in ORDER)
grads = flat(P[k].grad for k in ORDER)

# One AdamW step, weight decay on 2-D weights only. Per-layer weights are 2-D per layer (3-D here
# because stacked), so decide per tensor kind: decay = every matrix (wte, wpe, *w of Linear).
decay_kinds = {"wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw"}
opt = torch.optim.AdamW([{"params": [P[k] for k in ORDER if k in decay_kinds], "weight_decay": WD},
                         {"params": [P[k] for k in ORDER if k not in decay_kinds], "weight_decay": 0.0}],
                        lr=LR, betas=BETAS, eps=EPS)
opt.step()
params1 = flat(P[k] for k in ORDER)

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "gpt")
os.makedirs(here, exist_ok=True)
blob = torch.cat([params0, logits.detach().reshape(-1), grads, params1]).numpy().astype("<f4")
blob.tofile(os.path.join(here, "reference.bin"))
meta = {
    "config": {"vocabSize": V, "contextLength": maxT, "layers": L, "heads": NH, "channels": C},
    "B": B, "T": T,
    "inputs": inputs.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
    "positions": positions.reshape(-1).tolist(),
    "loss": loss.item(),
    "adamw": {"lr": LR, "beta1": BETAS[0], "beta2": BETAS[1], "eps": EPS, "weightDecay": WD},
    "tensors": [{"name": k, "count": P[k].numel()} for k in ORDER],
    "parameterCount": params0.numel(), "logitsCount": logits.numel(),
    "torch": torch.__version__,
}
with open(os.path.join(here, "reference.json"), "w") as f:
    json.dump(meta, f, indent=1)
print(f"loss {loss.item():.6f}, {params0.numel()} params, {blob.nbytes} bytes -> {here}")
