/**
 * KL and Jensen-Shannon divergences between 1-D Gaussians, computed (not drawn by hand):
 * KL in closed form, JS by numerical integration (JS has none), in nats.
 *   KL(N(m1,s1^2) || N(m2,s2^2)) = log(s2/s1) + (s1^2 + (m1-m2)^2) / (2 s2^2) - 1/2
 *   JS(p, q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2, at most log 2
 */
export interface Gaussian1d {
  mu: number;
  sigma: number;
}

/** The density of N(mu, sigma^2) at x. */
export function normalPdf(x: number, g: Gaussian1d): number {
  const z = (x - g.mu) / g.sigma;
  return Math.exp(-0.5 * z * z) / (g.sigma * Math.sqrt(2 * Math.PI));
}

/** KL(p || q) of two 1-D Gaussians in nats: log(sq / sp) + (sp^2 + (mp - mq)^2) / (2 sq^2) - 1/2. */
export function klGaussian(p: Gaussian1d, q: Gaussian1d): number {
  return Math.log(q.sigma / p.sigma) + (p.sigma ** 2 + (p.mu - q.mu) ** 2) / (2 * q.sigma ** 2) - 0.5;
}

/** Jensen-Shannon divergence by the trapezoid rule over mu +- 12 sigma of both. */
export function jsGaussian(p: Gaussian1d, q: Gaussian1d, steps = 20000): number {
  const lo = Math.min(p.mu - 12 * p.sigma, q.mu - 12 * q.sigma);
  const hi = Math.max(p.mu + 12 * p.sigma, q.mu + 12 * q.sigma);
  const h = (hi - lo) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const x = lo + i * h;
    const a = normalPdf(x, p);
    const b = normalPdf(x, q);
    const m = (a + b) / 2;
    let f = 0;
    if (a > 0) f += 0.5 * a * Math.log(a / m);
    if (b > 0) f += 0.5 * b * Math.log(b / m);
    sum += (i === 0 || i === steps ? 0.5 : 1) * f;
  }
  return sum * h;
}
