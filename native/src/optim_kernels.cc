// The per-element arithmetic of the fused optimizer steps, with at::vec::Vectorized of the CPU
// capability this translation unit is built for (CPU_CAPABILITY: DEFAULT, AVX2 or AVX512, set by
// binding.gyp; see optim_kernels.h). Each step loads an element of every buffer once, updates
// it in registers and stores it once, where the reference path makes one pass per ATen call.
//
// The order of operations is that of the ATen kernels the reference path calls
// (src/tensor/optim/*.ts, PyTorch 1.13's _single_tensor_* code), each rounded where ATen rounds:
//   t.mul_(s)               t * s
//   t.add_(u, alpha)        fmadd(u, alpha, t)          (ATen's add kernel)
//   t.addcmul_(u, w, s)     fmadd(s * u, w, t)          (self + s * u * w, which ATen's
//                                                        compiler fuses into one multiply-add)
//   t.addcdiv_(u, w, s)     t + s * u / w
// This file is built with -ffp-contract=off so that only these fmadds fuse; every setting is
// combined in double and cast to the buffer's dtype, as ATen casts a Scalar. With the same
// capability as ATen the fused and reference paths then agree to the last bit, or nearly so.
#ifndef CPU_CAPABILITY
#define CPU_CAPABILITY DEFAULT
#endif
#include <ATen/cpu/vec/vec.h>

#include <cmath>

#include "optim_kernels.h"

#define LL_CONCAT_(a, b) a##b
#define LL_CONCAT(a, b) LL_CONCAT_(a, b)

namespace ll {
namespace fused {
namespace {

using at::vec::fmadd;
using at::vec::Vectorized;

// Inlining the per-vector body into ForEachVector's loop keeps the settings in registers; GCC
// otherwise calls it per vector, which took 3 to 4 times as long as the arithmetic.
#define LL_INLINE __attribute__((always_inline))

// Calls body(i, count) for each run of one vector of elements in [begin, end), then once for
// the shorter rest; loads and stores of that rest touch only its elements.
template <typename scalar_t, typename Body>
inline void ForEachVector(int64_t begin, int64_t end, const Body& body) {
  constexpr int64_t kWidth = Vectorized<scalar_t>::size();
  int64_t i = begin;
  for (; i + kWidth <= end; i += kWidth) body(i, kWidth);
  if (i < end) body(i, end - i);
}

template <typename scalar_t>
inline Vectorized<scalar_t> Load(const void* base, int64_t i, int64_t count) {
  const scalar_t* p = static_cast<const scalar_t*>(base) + i;
  return count == Vectorized<scalar_t>::size() ? Vectorized<scalar_t>::loadu(p) : Vectorized<scalar_t>::loadu(p, count);
}

template <typename scalar_t>
inline void Store(const Vectorized<scalar_t>& v, void* base, int64_t i, int64_t count) {
  v.store(static_cast<scalar_t*>(base) + i, static_cast<int>(count));
}

// A setting cast to the buffer's dtype (as ATen casts a Scalar) and broadcast.
template <typename scalar_t>
inline Vectorized<scalar_t> Splat(double x) {
  return Vectorized<scalar_t>(static_cast<scalar_t>(x));
}

// Adam (Kingma & Ba, 2015, Algorithm 1), in PyTorch 1.13's order:
//   g += wd p (L2 weight decay), or p *= 1 - lr wd (AdamW, Loshchilov & Hutter, 2019)
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
template <typename scalar_t>
void AdamRange(const AdamArgs& a, int64_t begin, int64_t end) {
  using Vec = Vectorized<scalar_t>;
  const bool decay = a.weight_decay != 0 && a.decoupled, couple = a.weight_decay != 0 && !a.decoupled;
  const double t = static_cast<double>(a.step);
  const Vec shrink = Splat<scalar_t>(1 - a.lr * a.weight_decay), wd = Splat<scalar_t>(a.weight_decay);
  const Vec b1 = Splat<scalar_t>(a.beta1), one_minus_b1 = Splat<scalar_t>(1 - a.beta1);
  const Vec b2 = Splat<scalar_t>(a.beta2), one_minus_b2 = Splat<scalar_t>(1 - a.beta2);
  const Vec neg_step_size = Splat<scalar_t>(-(a.lr / (1 - std::pow(a.beta1, t))));
  const Vec bias_correction2_sqrt = Splat<scalar_t>(std::sqrt(1 - std::pow(a.beta2, t)));
  const Vec eps = Splat<scalar_t>(a.eps);
  ForEachVector<scalar_t>(begin, end, [&](int64_t i, int64_t n) LL_INLINE {
    Vec p = Load<scalar_t>(a.param, i, n), g = Load<scalar_t>(a.grad, i, n);
    if (decay) p = p * shrink;                                                   // p.mul_(1 - lr wd)
    if (couple) g = fmadd(p, wd, g);                                             // grad.add(p, wd)
    const Vec m = fmadd(g, one_minus_b1, Load<scalar_t>(a.exp_avg, i, n) * b1);  // mul_(b1).add_(g, 1 - b1)
    const Vec v =
        fmadd(one_minus_b2 * g, g, Load<scalar_t>(a.exp_avg_sq, i, n) * b2);  // mul_(b2).addcmul_(g, g, 1 - b2)
    const Vec denom = v.sqrt() / bias_correction2_sqrt + eps;
    p = p + neg_step_size * m / denom;  // addcdiv_(m, denom, -step_size)
    Store(p, a.param, i, n);
    Store(m, a.exp_avg, i, n);
    Store(v, a.exp_avg_sq, i, n);
  });
}

// SGD with momentum (heavy ball; Nesterov as in Sutskever et al., 2013), in PyTorch 1.13's
// form: g += wd p; b = g at the first step (undamped, torch.clone(d_p)), else
// b = mu b + (1 - dampening) g; g = b, or g + mu b with Nesterov; p -= lr g.
template <typename scalar_t>
void SgdRange(const SgdArgs& a, int64_t begin, int64_t end) {
  using Vec = Vectorized<scalar_t>;
  const bool couple = a.weight_decay != 0, use_momentum = a.momentum != 0, first = a.step == 1;
  const Vec wd = Splat<scalar_t>(a.weight_decay), mu = Splat<scalar_t>(a.momentum);
  const Vec undamped = Splat<scalar_t>(1 - a.dampening), neg_lr = Splat<scalar_t>(-a.lr);
  ForEachVector<scalar_t>(begin, end, [&](int64_t i, int64_t n) LL_INLINE {
    const Vec p = Load<scalar_t>(a.param, i, n);
    Vec g = Load<scalar_t>(a.grad, i, n);
    if (couple) g = fmadd(p, wd, g);  // grad.add(p, wd)
    if (use_momentum) {
      const Vec b = first ? g : fmadd(g, undamped, Load<scalar_t>(a.momentum_buffer, i, n) * mu);
      Store(b, a.momentum_buffer, i, n);
      g = a.nesterov ? fmadd(b, mu, g) : b;  // grad.add(b, mu), or b
    }
    Store(fmadd(g, neg_lr, p), a.param, i, n);  // p.add_(g, -lr)
  });
}

// RMSprop (Hinton, Neural Networks for Machine Learning, lecture 6e; centered as Graves, 2013),
// in PyTorch 1.13's order: g += wd p; v = a v + (1 - a) g^2; centered: gm = a gm + (1 - a) g and
// avg = sqrt(v - gm^2) + eps, else avg = sqrt(v) + eps; with momentum b = mu b + g / avg and
// p -= lr b, else p -= lr g / avg.
template <typename scalar_t>
void RmspropRange(const RmspropArgs& a, int64_t begin, int64_t end) {
  using Vec = Vectorized<scalar_t>;
  const bool couple = a.weight_decay != 0, use_momentum = a.momentum > 0;
  const Vec wd = Splat<scalar_t>(a.weight_decay), alpha = Splat<scalar_t>(a.alpha);
  const Vec one_minus_alpha = Splat<scalar_t>(1 - a.alpha), eps = Splat<scalar_t>(a.eps);
  const Vec mu = Splat<scalar_t>(a.momentum), neg_lr = Splat<scalar_t>(-a.lr), minus_one = Splat<scalar_t>(-1);
  ForEachVector<scalar_t>(begin, end, [&](int64_t i, int64_t n) LL_INLINE {
    Vec p = Load<scalar_t>(a.param, i, n), g = Load<scalar_t>(a.grad, i, n);
    if (couple) g = fmadd(p, wd, g);  // grad.add(p, wd)
    const Vec v = fmadd(one_minus_alpha * g, g, Load<scalar_t>(a.square_avg, i, n) * alpha);
    Store(v, a.square_avg, i, n);
    Vec avg;
    if (a.centered) {
      const Vec gm = fmadd(g, one_minus_alpha, Load<scalar_t>(a.grad_avg, i, n) * alpha);
      Store(gm, a.grad_avg, i, n);
      avg = fmadd(minus_one * gm, gm, v).sqrt() + eps;  // v.addcmul(gm, gm, -1).sqrt_().add_(eps)
    } else {
      avg = v.sqrt() + eps;
    }
    if (use_momentum) {
      const Vec b = Load<scalar_t>(a.momentum_buffer, i, n) * mu + g / avg;  // mul_(mu).addcdiv_(g, avg)
      Store(b, a.momentum_buffer, i, n);
      p = fmadd(b, neg_lr, p);  // p.add_(b, -lr)
    } else {
      p = p + neg_lr * g / avg;  // p.addcdiv_(g, avg, -lr)
    }
    Store(p, a.param, i, n);
  });
}

void Adam(const AdamArgs& a, int64_t begin, int64_t end) {
  a.f64 ? AdamRange<double>(a, begin, end) : AdamRange<float>(a, begin, end);
}
void Sgd(const SgdArgs& a, int64_t begin, int64_t end) {
  a.f64 ? SgdRange<double>(a, begin, end) : SgdRange<float>(a, begin, end);
}
void Rmsprop(const RmspropArgs& a, int64_t begin, int64_t end) {
  a.f64 ? RmspropRange<double>(a, begin, end) : RmspropRange<float>(a, begin, end);
}

#define LL_STRINGIFY_(x) #x
#define LL_STRINGIFY(x) LL_STRINGIFY_(x)

}  // namespace

KernelTable LL_CONCAT(Kernels, CPU_CAPABILITY)() { return {&Adam, &Sgd, &Rmsprop, LL_STRINGIFY(CPU_CAPABILITY)}; }

}  // namespace fused
}  // namespace ll
