# PyTorch reference of bench/optimizer-step.ts: the time of one torch.optim.Adam step over vae-mlp's 652,824 float32 parameters.
"""Times one torch.optim.Adam step (foreach=False: the per-tensor loop; foreach=True: the
multi-tensor ops) over the ten parameters of latentlab's vae-mlp (784-400-20 encoder, 20-400-784
decoder: 652,824 float32 values), with the same thread count as the latentlab side. The two
settings run interleaved, several repeats, and the medians are compared.

  /usr/bin/python3 optimizer_step.py --threads 1 [--repeats 7] [--steps 50] [--warmup 200] [--json]

Needs PyTorch 1.13 or later (Debian: python3-torch).
"""
import argparse, json, statistics, time
import torch

# vae-mlp's parameter shapes, in its order: 652,824 values.
SHAPES = [(400, 784), (400,), (20, 400), (20,), (20, 400), (20,), (400, 20), (400,), (784, 400), (784,)]


def make_optimizer(foreach):
    g = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=g).requires_grad_() for s in SHAPES]
    for p in params:
        p.grad = torch.randn(p.shape, generator=g)
    return torch.optim.Adam(params, lr=1e-3, foreach=foreach)


def time_steps(opt, steps):
    """Seconds per step, over `steps` steps (the gradients stay as they are)."""
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--steps', type=int, default=50)
    ap.add_argument('--warmup', type=int, default=200, help='untimed steps of each optimizer first')
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    count = sum(torch.Size(s).numel() for s in SHAPES)
    variants = {'torch Adam foreach=False': make_optimizer(False), 'torch Adam foreach=True': make_optimizer(True)}
    for opt in variants.values():
        # glibc's malloc maps and unmaps the step's temporaries until its mmap threshold has
        # adapted: the first ~100 steps took 15-20 ms each here, the rest ~1 ms. A training run
        # is soon past that, so it is left out.
        time_steps(opt, a.warmup)
    runs = {k: [] for k in variants}
    for _ in range(a.repeats):
        for k, opt in variants.items():
            time_steps(opt, 5)  # untimed steps first (state allocation, caches), as on the latentlab side
            runs[k].append(time_steps(opt, a.steps))
    medians = {k: statistics.median(v) for k, v in runs.items()}
    if a.json:
        print(json.dumps({
            'what': 'one Adam step, ms (median)',
            'parameters': count,
            'threads': a.threads,
            'torch': torch.__version__,
            'ms': {k: round(v * 1e3, 4) for k, v in medians.items()},
            'runs_ms': {k: [round(x * 1e3, 4) for x in v] for k, v in runs.items()},
        }))
        return
    print(f'one Adam step over {count:,} float32 parameters, {a.threads} thread(s), torch {torch.__version__}')
    for k, v in medians.items():
        print(f'  {k:28s} {v * 1e3:8.3f} ms')


if __name__ == '__main__':
    main()
