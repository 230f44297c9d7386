/**
 * The starting point of EM: k-means++ seeding (Arthur and Vassilvitskii 2007) followed by a
 * few rounds of Lloyd's k-means (Lloyd 1982). Draws from the global generator; callers seed it.
 */
import { call, type Tensor } from '../../tensor/tensor.js';
import { randint } from '../../tensor/create.js';
import { cat } from '../../tensor/functional.js';
import { tidy } from '../../tensor/scope.js';

/** Squared distances [N, K] between points [N, D] and centres [K, D]: |x|^2 - 2 x.c + |c|^2, clamped at 0. */
export function squaredDistances(x: Tensor, centres: Tensor): Tensor {
  return tidy(() =>
    x.square().sum(1, true).sub(x.matmul(centres.t()).mul(2)).add(centres.square().sum(1).unsqueeze(0)).clamp(0),
  );
}

/**
 * k-means++: the first centre is a uniformly drawn point, each next one a point drawn with
 * probability proportional to its squared distance to the nearest centre chosen so far.
 * x [N, D] -> centres [k, D].
 */
export function kmeansPlusPlus(x: Tensor, k: number): Tensor {
  return tidy(() => {
    const n = x.size(0);
    if (k > n) throw new RangeError(`cannot seed ${k} centres from ${n} points`);
    const first = randint(0, n, [1], { dtype: 'int64' });
    const chosen: Tensor[] = [x.indexSelect(0, first)];
    let nearest = squaredDistances(x, chosen[0]!).squeeze(1);
    for (let i = 1; i < k; i++) {
      // All points on the chosen centres (duplicates): any point will do.
      const w = nearest.sum().item() > 0 ? nearest : nearest.add(1);
      const next = call('multinomial', w.handle, 1, false);
      const c = x.indexSelect(0, next);
      chosen.push(c);
      nearest = nearest.minimum(squaredDistances(x, c).squeeze(1));
    }
    return cat(chosen, 0);
  });
}

/**
 * Lloyd's iterations from k-means++ centres, until no point changes cluster or `rounds` pass;
 * a cluster that empties keeps its centre. Returns each point's cluster [N] (int64) and the centres [k, D].
 */
export function kmeans(x: Tensor, k: number, rounds = 20): { labels: Tensor; centres: Tensor } {
  return tidy(() => {
    let centres = kmeansPlusPlus(x, k);
    let labels = squaredDistances(x, centres).argmin(1);
    for (let r = 0; r < rounds; r++) {
      const onehot = call('one_hot', labels.handle, k).to({ dtype: x.dtype }); // [N, k]
      const counts = onehot.sum(0); // [k]
      const sums = onehot.t().matmul(x); // [k, D]
      const empty = counts.eq(0).unsqueeze(1);
      centres = call('where.self', empty.handle, centres.handle, sums.div(counts.clamp(1).unsqueeze(1)).handle);
      const next = squaredDistances(x, centres).argmin(1);
      const moved = next.ne(labels).any().item() !== 0;
      labels = next;
      if (!moved) break;
    }
    return { labels, centres };
  });
}
