// Declarations of the SLEEF vector math functions that ATen's AVX2/AVX512 Vectorized headers
// name (returning const V, as ATen's map() expects), for libtorch installs without sleef.h:
// Debian's libtorch-dev ships none; the libtorch and pip headers do, and theirs comes first on
// the include path. optim_kernels.cc uses the Vectorized headers only for arithmetic and square
// roots, so nothing here is ever called or defined: a kernel calling exp() would need SLEEF.
#pragma once
#include <immintrin.h>

#define LL_SLEEF_DECLARE(V, W)        \
  const V Sleef_acos##W##_u10(V);     \
  const V Sleef_asin##W##_u10(V);     \
  const V Sleef_atan##W##_u10(V);     \
  const V Sleef_cos##W##_u10(V);      \
  const V Sleef_cosh##W##_u10(V);     \
  const V Sleef_erf##W##_u10(V);      \
  const V Sleef_erfc##W##_u15(V);     \
  const V Sleef_exp##W##_u10(V);      \
  const V Sleef_expm1##W##_u10(V);    \
  const V Sleef_lgamma##W##_u10(V);   \
  const V Sleef_log##W##_u10(V);      \
  const V Sleef_log10##W##_u10(V);    \
  const V Sleef_log1p##W##_u10(V);    \
  const V Sleef_log2##W##_u10(V);     \
  const V Sleef_sin##W##_u10(V);      \
  const V Sleef_sinh##W##_u10(V);     \
  const V Sleef_tan##W##_u10(V);      \
  const V Sleef_tanh##W##_u10(V);     \
  const V Sleef_atan2##W##_u10(V, V); \
  const V Sleef_pow##W##_u10(V, V);   \
  const V Sleef_hypot##W##_u05(V, V); \
  const V Sleef_copysign##W(V, V);    \
  const V Sleef_fmod##W(V, V);        \
  const V Sleef_nextafter##W(V, V);   \
  struct Sleef_##V##_2 {              \
    V x, y;                           \
  };                                  \
  Sleef_##V##_2 Sleef_sincos##W##_u10(V);

extern "C" {
#ifdef __AVX__
LL_SLEEF_DECLARE(__m256, f8)
LL_SLEEF_DECLARE(__m256d, d4)
#endif
#ifdef __AVX512F__
LL_SLEEF_DECLARE(__m512, f16)
LL_SLEEF_DECLARE(__m512d, d8)
#endif
}

#undef LL_SLEEF_DECLARE
